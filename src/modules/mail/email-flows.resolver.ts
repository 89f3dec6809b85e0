import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { Context } from "../../context.js";
import * as service from "./email-flows.service.js";
import { RegisterPortalAccountInput, RequestPasswordResetInput, ResetPasswordInput } from "./email-flows.types.js";

/** The public operations that work through an emailed link: password reset and self-registration. */
@Resolver()
export class EmailFlowsResolver {
  @Mutation(() => Boolean, { description: "Public. Always true; emails a reset link to a DATABASE-mode portal account with an address." })
  requestPasswordReset(@Arg("input", () => RequestPasswordResetInput) input: RequestPasswordResetInput, @Ctx() ctx: Context) {
    return service.requestPasswordReset(ctx.deps, input, ctx.clientAddress);
  }

  @Mutation(() => Boolean, { description: "Public. Sets a new password with the token from the reset email." })
  resetPassword(@Arg("input", () => ResetPasswordInput) input: ResetPasswordInput, @Ctx() ctx: Context) {
    return service.resetPassword(ctx.deps, input, ctx.clientAddress);
  }

  @Mutation(() => Boolean, { description: "Public. Always true for well-formed input; sends a verification email." })
  registerPortalAccount(@Arg("input", () => RegisterPortalAccountInput) input: RegisterPortalAccountInput, @Ctx() ctx: Context) {
    return service.registerPortalAccount(ctx.deps, input, ctx.clientAddress);
  }

  @Mutation(() => Boolean, { description: "Public. Follows the registration link; the account may sign in afterwards." })
  verifyRegistration(@Arg("token", () => String) token: string, @Ctx() ctx: Context) {
    return service.verifyRegistration(ctx.deps, token, ctx.clientAddress);
  }
}
