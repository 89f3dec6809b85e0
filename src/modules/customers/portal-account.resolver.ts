import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from "type-graphql";
import { callerOf, type Context } from "../../context.js";
import { PortalProfile } from "../access/portal-profile.types.js";
import type { PortalAccountRow } from "./contact.service.js";
import { Contact, SetPortalAccessResult } from "./contact.types.js";
import * as service from "./portal-account.service.js";
import { passwordExpiresAt } from "../../auth/policy.js";
import { throttleLock } from "../../auth/throttle.js";

/** The account's failure lock, batched with the other accounts of the page. */
const throttleOf = (account: PortalAccountRow, ctx: Context) => ctx.loaders.portalThrottle.load(`${account.organisationId} ${account.login.toLowerCase()}`);
import { PortalAccount, SetPortalAccessInput } from "./portal-account.types.js";

@Resolver(() => PortalAccount)
export class PortalAccountResolver {
  @Mutation(() => SetPortalAccessResult, { description: "Creates or updates the contact's one portal account." })
  setPortalAccess(@Arg("input", () => SetPortalAccessInput) input: SetPortalAccessInput, @Ctx() ctx: Context) {
    return service.setPortalAccess(ctx.deps, callerOf(ctx), input);
  }

  @Mutation(() => Contact, { description: "Removes the portal account; its sessions end and its login is free again." })
  revokePortalAccess(@Arg("contactId", () => ID) contactId: string, @Ctx() ctx: Context) {
    return service.revokePortalAccess(ctx.deps, callerOf(ctx), contactId);
  }

  @FieldResolver(() => Boolean)
  async locked(@Root() account: PortalAccountRow, @Ctx() ctx: Context) {
    const now = ctx.deps.clock();
    return service.isLocked(account, now) || throttleLock(await throttleOf(account, ctx), now).locked;
  }

  @FieldResolver(() => Date, { nullable: true, description: "When the lock ends by itself; null when unlocked or locked until staff unlock it." })
  async lockedUntil(@Root() account: PortalAccountRow, @Ctx() ctx: Context) {
    const now = ctx.deps.clock();
    if (account.locked) return null;
    const byName = throttleLock(await throttleOf(account, ctx), now);
    if (byName.locked) return byName.until;
    return account.lockedUntil && account.lockedUntil > now ? account.lockedUntil : null;
  }

  @FieldResolver(() => Int, { nullable: true })
  failedLoginCount(@Root() account: PortalAccountRow) {
    return account.failedLoginCount;
  }

  @FieldResolver(() => Date, { nullable: true, description: "When the password expires under the policy; null when it never does." })
  async passwordExpiresAt(@Root() account: PortalAccountRow, @Ctx() ctx: Context): Promise<Date | null> {
    return passwordExpiresAt(account, await ctx.loaders.policy.load(account.organisationId));
  }

  @FieldResolver(() => PortalProfile, { nullable: true })
  profile(@Root() account: PortalAccountRow, @Ctx() ctx: Context) {
    return account.profileId ? ctx.loaders.portalProfile.load(account.profileId) : null;
  }
}
