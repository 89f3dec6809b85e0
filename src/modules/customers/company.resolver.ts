import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { callerOf, type Context } from "../../context.js";
import { ensure, notFound } from "../../errors.js";
import * as service from "./company.service.js";
import { Company, CompanyConnection, CompanyFilter, CreateCompanyInput, UpdateCompanyInput } from "./company.types.js";
import { CustomerGroup } from "./customer-group.types.js";

@Resolver(() => Company)
export class CompanyResolver {
  @Query(() => CompanyConnection, { description: "Companies by name; first is 1 to 100 (default 20)." })
  companies(
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Arg("filter", () => CompanyFilter, { nullable: true }) filter: CompanyFilter | null,
    @Ctx() ctx: Context,
  ) {
    return service.listCompanies(ctx.deps, ctx.principal!.organisationId, { first, after, filter });
  }

  @Query(() => Company, { nullable: true })
  async company(@Arg("id", () => ID) id: string, @Ctx() ctx: Context) {
    const company = await service.findCompany(ctx.deps.db, ctx.principal!.organisationId, id);
    ensure(company, () => notFound("Company"));
    return company;
  }

  @Mutation(() => Company)
  createCompany(@Arg("input", () => CreateCompanyInput) input: CreateCompanyInput, @Ctx() ctx: Context) {
    return service.createCompany(ctx.deps, callerOf(ctx), input);
  }

  @Mutation(() => Company)
  updateCompany(@Arg("input", () => UpdateCompanyInput) input: UpdateCompanyInput, @Ctx() ctx: Context) {
    return service.updateCompany(ctx.deps, callerOf(ctx), input);
  }

  @Mutation(() => ID, { description: "Deletes a company without contacts (CONFLICT otherwise)." })
  async deleteCompany(@Arg("id", () => ID) id: string, @Ctx() ctx: Context) {
    return (await service.deleteCompany(ctx.deps, callerOf(ctx), id)).id;
  }

  @FieldResolver(() => CustomerGroup)
  customerGroup(@Root() company: service.CompanyRow, @Ctx() ctx: Context) {
    return ctx.loaders.customerGroup.load(company.customerGroupId);
  }
}
