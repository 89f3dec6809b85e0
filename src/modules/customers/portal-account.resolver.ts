import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from "type-graphql";
import { callerOf, type Context } from "../../context.js";
import { PortalProfile } from "../access/portal-profile.types.js";
import type { PortalAccountRow } from "./contact.service.js";
import { Contact, SetPortalAccessResult } from "./contact.types.js";
import * as service from "./portal-account.service.js";
import { passwordExpiresAt, policyFor } from "../../auth/policy.js";
import { readThrottle, throttleLock } from "../../auth/throttle.js";

const throttleKeyOf = (account: PortalAccountRow) => ({ organisationId: account.organisationId, audience: "PORTAL" as const, login: account.login });
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
    return service.isLocked(account, now) || throttleLock(await readThrottle(ctx.deps.db, throttleKeyOf(account)), now).locked;
  }

  @FieldResolver(() => Date, { nullable: true, description: "When the lock ends by itself; null when unlocked or locked until staff unlock it." })
  async lockedUntil(@Root() account: PortalAccountRow, @Ctx() ctx: Context) {
    const now = ctx.deps.clock();
    if (account.locked) return null;
    const byName = throttleLock(await readThrottle(ctx.deps.db, throttleKeyOf(account)), now);
    if (byName.locked) return byName.until;
    return account.lockedUntil && account.lockedUntil > now ? account.lockedUntil : null;
  }

  @FieldResolver(() => Int, { nullable: true })
  failedLoginCount(@Root() account: PortalAccountRow) {
    return account.failedLoginCount;
  }

  @FieldResolver(() => Date, { nullable: true, description: "When the password expires under the policy; null when it never does." })
  async passwordExpiresAt(@Root() account: PortalAccountRow, @Ctx() ctx: Context): Promise<Date | null> {
    return passwordExpiresAt(account, await policyFor(ctx.deps.db, account.organisationId));
  }

  @FieldResolver(() => PortalProfile, { nullable: true })
  profile(@Root() account: PortalAccountRow, @Ctx() ctx: Context) {
    return account.profileId ? ctx.loaders.portalProfile.load(account.profileId) : null;
  }
}
