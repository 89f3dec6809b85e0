import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "../../context.js";
import { ensure, unauthenticated } from "../../errors.js";
import * as service from "./auth.service.js";
import { LoginInput, LoginResult, Principal } from "./auth.types.js";

@Resolver()
export class AuthResolver {
  @Mutation(() => LoginResult, { description: "Signs in to the portal or the back office. One per document." })
  async login(@Arg("input", () => LoginInput) input: LoginInput, @Ctx() ctx: Context) {
    const outcome = await service.login(ctx.deps, input, ctx.clientAddress);
    ctx.signedIn = { kind: outcome.principal.__typename, id: outcome.principal.id };
    return outcome;
  }

  @Mutation(() => Boolean, { description: "Ends the current session; true even when none was open." })
  logout(@Ctx() ctx: Context) {
    return service.logout(ctx.deps, ctx.principal?.sessionId ?? null);
  }

  @Query(() => Principal, { description: "The signed-in staff user or portal contact." })
  async me(@Ctx() ctx: Context) {
    const principal = ctx.principal;
    ensure(principal, () => unauthenticated());
    const loader = principal.kind === "User" ? ctx.loaders.user : ctx.loaders.contact;
    const row = await loader.load(principal.id);
    ensure(row, () => unauthenticated());
    return { ...row, __typename: principal.kind };
  }
}
