import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { callerOf, type Context } from "../../context.js";
import { ensure, notFound } from "../../errors.js";
import { PortalProfile } from "../access/portal-profile.types.js";
import * as service from "./customer-group.service.js";
import { CreateCustomerGroupInput, CustomerGroup, UpdateCustomerGroupInput } from "./customer-group.types.js";

@Resolver(() => CustomerGroup)
export class CustomerGroupResolver {
  @Query(() => [CustomerGroup], { description: "Every customer group of the organisation, by name." })
  customerGroups(@Ctx() ctx: Context) {
    return service.listCustomerGroups(ctx.deps, ctx.principal!.organisationId);
  }

  @Query(() => CustomerGroup, { nullable: true })
  async customerGroup(@Arg("id", () => ID) id: string, @Ctx() ctx: Context) {
    const group = await service.findCustomerGroup(ctx.deps.db, ctx.principal!.organisationId, id);
    ensure(group, () => notFound("Customer group"));
    return group;
  }

  @Mutation(() => CustomerGroup)
  createCustomerGroup(@Arg("input", () => CreateCustomerGroupInput) input: CreateCustomerGroupInput, @Ctx() ctx: Context) {
    return service.createCustomerGroup(ctx.deps, callerOf(ctx), input);
  }

  @Mutation(() => CustomerGroup)
  updateCustomerGroup(@Arg("input", () => UpdateCustomerGroupInput) input: UpdateCustomerGroupInput, @Ctx() ctx: Context) {
    return service.updateCustomerGroup(ctx.deps, callerOf(ctx), input);
  }

  @Mutation(() => ID, { description: "Deletes an empty customer group (CONFLICT while it has companies or contacts)." })
  async deleteCustomerGroup(@Arg("id", () => ID) id: string, @Ctx() ctx: Context) {
    return (await service.deleteCustomerGroup(ctx.deps, callerOf(ctx), id)).id;
  }

  @FieldResolver(() => PortalProfile, { nullable: true })
  defaultProfile(@Root() group: service.CustomerGroupRow, @Ctx() ctx: Context) {
    return group.defaultProfileId ? ctx.loaders.portalProfile.load(group.defaultProfileId) : null;
  }
}
