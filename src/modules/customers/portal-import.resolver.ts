import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { callerOf, type Context } from "../../context.js";
import { ImportPortalAccountsInput, ImportPortalAccountsPayload } from "./portal-import.types.js";
import * as service from "./portal-import.service.js";

@Resolver()
export class PortalImportResolver {
  @Mutation(() => ImportPortalAccountsPayload, {
    description: "Bulk import of contacts with portal accounts: dryRun writes nothing; otherwise all rows or none.",
  })
  importPortalAccounts(@Arg("input", () => ImportPortalAccountsInput) input: ImportPortalAccountsInput, @Ctx() ctx: Context) {
    return service.importPortalAccounts(ctx.deps, callerOf(ctx), input);
  }
}
