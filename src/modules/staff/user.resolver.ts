import { passwordExpiresAt } from "../../auth/policy.js";
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { callerOf, type Context } from "../../context.js";
import { ensure, notFound } from "../../errors.js";
import { Role } from "../access/role.types.js";
import { SecurityProfile } from "./security-profile.types.js";
import { Unit, UnitMembership } from "./unit.types.js";
import * as service from "./user.service.js";
import { CreateUserInput, UpdateUserInput, User, UserConnection, UserFilter } from "./user.types.js";

const staffCaller = (ctx: Context): service.StaffCaller => ({ ...callerOf(ctx), superUser: ctx.principal!.superUser });

@Resolver(() => User)
export class UserResolver {
  @Query(() => UserConnection, { description: "Staff users by last name, first name and id; first is 1 to 100 (default 20)." })
  users(
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Arg("filter", () => UserFilter, { nullable: true }) filter: UserFilter | null,
    @Ctx() ctx: Context,
  ) {
    return service.listUsers(ctx.deps, ctx.principal!.organisationId, { first, after, filter });
  }

  @Query(() => User, { nullable: true })
  async user(@Arg("id", () => ID) id: string, @Ctx() ctx: Context) {
    const user = await service.findUser(ctx.deps.db, ctx.principal!.organisationId, id);
    ensure(user, () => notFound("User"));
    return user;
  }

  @Mutation(() => User, { description: "superUser, developer, ctiEnabled and phoneExtension may be set only by super users." })
  createUser(@Arg("input", () => CreateUserInput) input: CreateUserInput, @Ctx() ctx: Context) {
    return service.createUser(ctx.deps, staffCaller(ctx), input);
  }

  @Mutation(() => User, { description: "Partial; roleIds, when given, replace the user's roles." })
  updateUser(@Arg("input", () => UpdateUserInput) input: UpdateUserInput, @Ctx() ctx: Context) {
    return service.updateUser(ctx.deps, staffCaller(ctx), input);
  }

  @FieldResolver(() => [Role])
  async roles(@Root() user: service.UserRow, @Ctx() ctx: Context) {
    return (await ctx.loaders.rolesOfUser.load(user.id)).map((r) => r.role);
  }

  @FieldResolver(() => [UnitMembership])
  units(): UnitMembership[] {
    return [];
  }

  @FieldResolver(() => SecurityProfile, { nullable: true })
  securityProfile(): SecurityProfile | null {
    return null;
  }

  @FieldResolver(() => Unit, { nullable: true })
  signInUnit(): Unit | null {
    return null;
  }

  @FieldResolver(() => Date, { nullable: true, description: "When the password expires under the policy; null when it never does." })
  async passwordExpiresAt(@Root() user: service.UserRow, @Ctx() ctx: Context): Promise<Date | null> {
    return passwordExpiresAt(user, await ctx.loaders.policy.load(user.organisationId));
  }
}
