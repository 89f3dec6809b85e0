import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { callerOf, type Context } from "../../context.js";
import { Audience } from "../common/enums.js";
import * as auth from "./auth.service.js";
import {
  AuthenticationPolicy,
  ChangePasswordInput,
  ChangeUserPasswordInput,
  SignInExplanation,
  UpdateAuthenticationPolicyInput,
} from "./credentials.types.js";
import { explainSignIn } from "./explain-sign-in.js";
import * as policies from "./policy.service.js";

@Resolver()
export class CredentialsResolver {
  @Mutation(() => Boolean, { description: "Changes the signed-in account's own password; the current one is always required." })
  changePassword(@Arg("input", () => ChangePasswordInput) input: ChangePasswordInput, @Ctx() ctx: Context) {
    return auth.changePassword(ctx.deps, callerOf(ctx), ctx.principal!, input);
  }

  @Mutation(() => Boolean, { description: "Sets a staff user's password; ends that user's sessions." })
  changeUserPassword(@Arg("input", () => ChangeUserPasswordInput) input: ChangeUserPasswordInput, @Ctx() ctx: Context) {
    return auth.changeUserPassword(ctx.deps, callerOf(ctx), ctx.principal!, input);
  }

  @Query(() => AuthenticationPolicy, { description: "The authentication policy of the caller's organisation group." })
  authenticationPolicy(@Ctx() ctx: Context) {
    return policies.authenticationPolicy(ctx.deps, ctx.principal!.organisationGroupId);
  }

  @Mutation(() => AuthenticationPolicy, { description: "Partial update of the caller's organisation group's policy." })
  updateAuthenticationPolicy(@Arg("input", () => UpdateAuthenticationPolicyInput) input: UpdateAuthenticationPolicyInput, @Ctx() ctx: Context) {
    return policies.updateAuthenticationPolicy(ctx.deps, callerOf(ctx), ctx.principal!.organisationGroupId, input);
  }

  @Mutation(() => Boolean, { description: "Lifts a failure lock on a login name of the caller's organisation and forgets its failures." })
  unlockSignIn(@Arg("audience", () => Audience) audience: Audience, @Arg("login", () => String) login: string, @Ctx() ctx: Context) {
    return auth.unlockSignIn(ctx.deps, callerOf(ctx), audience, login);
  }

  @Query(() => SignInExplanation, { description: "Why a login of the caller's organisation can or cannot sign in now, step by step." })
  explainSignIn(
    @Arg("audience", () => Audience) audience: Audience,
    @Arg("login", () => String) login: string,
    @Arg("organisation", () => String, { nullable: true }) organisation: string | null | undefined,
    @Ctx() ctx: Context,
  ) {
    return explainSignIn(ctx.deps, ctx.principal!, { audience, login, organisation });
  }
}
