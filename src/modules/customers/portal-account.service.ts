import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { audit, diff } from "../../audit/audit.js";
import { assertPasswordAllowed, assertUsernameAllowed, generatePasswordFor, recordPasswordHistory } from "../../auth/password-policy.js";
import { policyFor } from "../../auth/policy.js";
import { clearThrottle } from "../../auth/throttle.js";
import { endSessionsOf } from "../../auth/sessions.js";
import type { Caller, Deps } from "../../context.js";
import { portalAccounts } from "../../db/schema/index.js";
import { badInput, conflict, ensure, isUniqueViolation, notFound } from "../../errors.js";
import { check } from "../common/validation.js";
import { type ContactRow, findContact, type PortalAccountRow } from "./contact.service.js";
import { type CustomerGroupRow, findCustomerGroup } from "./customer-group.service.js";
import { findPortalProfile } from "../access/portal-profile.service.js";
import type { DbOrTx } from "../../db/client.js";
import type { SetPortalAccessInput } from "./portal-account.types.js";
import { queueCredentialsEmail } from "../../mail/credentials-email.js";

/** Logins: 3 to 64 characters, no spaces or control characters; compared case-insensitively. */
export const loginSchema = z
  .string()
  .trim()
  .min(3, "must have at least 3 characters")
  .max(64, "may have at most 64 characters")
  .regex(/^[^\s\p{C}]+$/u, "may not contain spaces or control characters");

const inputSchema = z.object({
  contactId: z.string(),
  login: loginSchema.nullish(),
  password: z.string().nullish(),
  generatePassword: z.boolean().nullish(),
  profileId: z.string().nullish(),
  enabled: z.boolean().nullish(),
  locked: z.boolean().nullish(),
  passwordNeverExpires: z.boolean().nullish(),
  cannotChangePassword: z.boolean().nullish(),
  mustChangePassword: z.boolean().nullish(),
  passwordResetDate: z.date().nullish(),
  externalId: z.string().trim().max(200).nullish(),
  emailCredentials: z.boolean().nullish(),
});

/** The effective lock: set by staff, or by failed sign-ins until lockedUntil. */
export const isLocked = (account: Pick<PortalAccountRow, "locked" | "lockedUntil">, now: Date) =>
  account.locked || (account.lockedUntil !== null && account.lockedUntil > now);

/**
 * Creates or updates a contact's one portal account. The password is hashed before the
 * transaction opens, so no transaction waits on argon2.
 */
export async function setPortalAccess(
  deps: Pick<Deps, "db" | "hasher" | "clock" | "config">,
  caller: Caller,
  raw: SetPortalAccessInput,
  attempt = 0,
): Promise<{ contact: ContactRow; generatedPassword: string | null }> {
  const input = check(inputSchema, raw);
  ensure(!(input.password != null && input.generatePassword), () =>
    badInput("generatePassword", "Give a password or ask for a generated one, not both."),
  );

  const contact = await findContact(deps.db, caller.organisationId, input.contactId);
  ensure(contact, () => notFound("Contact"));
  ensure(!input.emailCredentials || contact.email, () => badInput("emailCredentials", "The contact has no email address to send credentials to."));
  const group = await findCustomerGroup(deps.db, caller.organisationId, contact.customerGroupId);
  ensure(group?.portalEnabled, () => badInput("contactId", "The contact's customer group is not enabled for the portal."));
  const [existing] = await deps.db.select().from(portalAccounts).where(eq(portalAccounts.contactId, contact.id));
  ensure(existing || input.login, () => badInput("login", "A new portal account needs a login."));
  ensure(input.login !== null, () => badInput("login", "login may not be empty"));

  const profileId = await chooseProfile(deps.db, caller.organisationId, group, input.profileId, !existing);

  const login = input.login ?? existing!.login;
  const policy = await policyFor(deps.db, caller.organisationId);
  if (input.login) assertUsernameAllowed(input.login, policy, "login");
  const generatedPassword = input.generatePassword ? generatePasswordFor(policy, login) : null;
  const password = input.password ?? generatedPassword;
  if (password !== null) {
    await assertPasswordAllowed(deps, { policy, password, login, owner: existing ? { contactId: contact.id } : null });
  }
  const passwordHash = password === null ? undefined : await deps.hasher.hash(password);
  const now = deps.clock();

  const unlocking = input.locked === false;
  const changes = {
    login: input.login ?? undefined,
    enabled: input.enabled ?? undefined,
    locked: input.locked ?? undefined,
    passwordNeverExpires: input.passwordNeverExpires ?? undefined,
    cannotChangePassword: input.cannotChangePassword ?? undefined,
    mustChangePassword: input.mustChangePassword ?? undefined,
    passwordResetDate: input.passwordResetDate === undefined ? undefined : input.passwordResetDate,
    externalId: input.externalId === undefined ? undefined : input.externalId,
    profileId,
  };
  const secret = passwordHash ? { passwordHash, passwordChangedAt: now } : {};
  const lockReset = unlocking ? { lockedUntil: null, failedLoginCount: 0 } : {};

  try {
    await deps.db.transaction(async (tx) => {
      if (existing) {
        await tx
          .update(portalAccounts)
          .set({ ...changes, ...secret, ...lockReset, updatedAt: now })
          .where(and(eq(portalAccounts.contactId, contact.id)));
      } else {
        await tx.insert(portalAccounts).values({
          ...changes,
          ...secret,
          contactId: contact.id,
          organisationId: caller.organisationId,
          login,
          authMode: group.authMode,
          createdAt: now,
          updatedAt: now,
        });
      }
      const [after] = await tx.select().from(portalAccounts).where(eq(portalAccounts.contactId, contact.id));
      if (passwordHash) await recordPasswordHistory(tx, caller.organisationId, { contactId: contact.id }, passwordHash);
      // Unlocking also lifts the lock that failed sign-ins put on the login name (old and new).
      if (unlocking) {
        for (const name of new Set([existing?.login, after.login].filter((n): n is string => !!n))) {
          await clearThrottle(tx, { organisationId: caller.organisationId, audience: "PORTAL", login: name });
        }
      }
      // Anything that stops the account signing in, and any new password, ends its sessions.
      if (!after.enabled || isLocked(after, now) || !after.profileId || passwordHash) await endSessionsOf(tx, { contactId: contact.id });
      await audit(tx, caller, {
        action: "setPortalAccess",
        entityType: "Contact",
        entityId: contact.id,
        changes: diff(existing ?? null, { ...changes, ...(passwordHash ? { password: true } : {}) }),
      });
      // The outbox body is the one place a generated password may appear.
      if (input.emailCredentials) {
        await queueCredentialsEmail(tx, deps, { organisationId: caller.organisationId, contact: { ...contact, email: contact.email! }, login: after.login, locale: after.locale, password: generatedPassword });
      }
    });
  } catch (error) {
    if (isUniqueViolation(error, "portal_accounts_login_key")) throw conflict("login", "This login is taken in the organisation.");
    // Another call created this contact's account meanwhile: apply this one as an update of it.
    if (!existing && attempt === 0 && isUniqueViolation(error, "portal_accounts_pkey")) return setPortalAccess(deps, caller, raw, 1);
    throw error;
  }
  return { contact, generatedPassword };
}

/**
 * The profile an account gets: AUTOMATIC groups give their default profile and refuse a
 * choice; MANUAL groups take profileId (null clears it, undefined keeps it).
 */
async function chooseProfile(
  db: DbOrTx,
  organisationId: string,
  group: CustomerGroupRow,
  profileId: string | null | undefined,
  creating: boolean,
): Promise<string | null | undefined> {
  if (group.profileAssignment === "AUTOMATIC") {
    ensure(profileId === undefined, () =>
      badInput("profileId", `Customer group '${group.name}' assigns its default portal profile automatically.`),
    );
    return creating ? group.defaultProfileId : undefined;
  }
  if (profileId == null) return profileId;
  const profile = await findPortalProfile(db, organisationId, profileId);
  ensure(profile, () => badInput("profileId", "No such portal profile."));
  return profile.id;
}

/** Removes the account; its sessions go with it, and its login is free again. */
export async function revokePortalAccess(deps: Pick<Deps, "db">, caller: Caller, contactId: string) {
  return deps.db.transaction(async (tx) => {
    const contact = await findContact(tx, caller.organisationId, contactId);
    ensure(contact, () => notFound("Contact"));
    const [removed] = await tx.delete(portalAccounts).where(eq(portalAccounts.contactId, contact.id)).returning();
    if (removed) {
      await endSessionsOf(tx, { contactId: contact.id });
      await audit(tx, caller, {
        action: "revokePortalAccess",
        entityType: "Contact",
        entityId: contact.id,
        changes: { login: { from: removed.login, to: null } },
      });
    }
    return contact;
  });
}
