import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { audit } from "../../audit/audit.js";
import { assertPasswordAllowed, assertUsernameAllowed, recordPasswordHistory } from "../../auth/password-policy.js";
import { policyFor } from "../../auth/policy.js";
import { takeSignInAttempt } from "../../auth/rate-limit.js";
import { endSessionsOf } from "../../auth/sessions.js";
import { newToken, tokenHash } from "../../auth/tokens.js";
import type { Caller, Deps } from "../../context.js";
import type { DbOrTx } from "../../db/client.js";
import { companies, contacts, customerGroups, emailTokens, portalAccounts } from "../../db/schema/index.js";
import { DEFAULT_ORGANISATION_SLUG } from "../../db/schema/organisations.js";
import { badInput, ensure, isUniqueViolation, rateLimited } from "../../errors.js";
import { emailDate, queueEmail } from "../../mail/outbox.js";
import { check, email, name } from "../common/validation.js";
import { isId } from "../common/pagination.js";
import { findOrganisation } from "../auth/auth.service.js";
import { loginSchema } from "../customers/portal-account.service.js";
import type { RegisterPortalAccountInput, RequestPasswordResetInput, ResetPasswordInput } from "./email-flows.types.js";

type FlowDeps = Pick<Deps, "db" | "hasher" | "clock" | "config">;

const MINUTE = 60_000;
/** Registration links live a day: people register and then read their mail later. */
const REGISTRATION_TTL_MINUTES = 24 * 60;
/** Every public request answers after at least this long, so that timing does not tell known logins from unknown ones. */
const MIN_ANSWER_MS = 150;

/** Requests per login name and minute, per server process (the address limit is takeSignInAttempt's). */
class LoginLimiter {
  private windows = new Map<string, { start: number; count: number }>();
  take(key: string, now: number, perMinute: number): boolean {
    const current = this.windows.get(key);
    if (!current || now - current.start >= MINUTE) {
      if (this.windows.size > 100_000) this.windows.clear();
      this.windows.set(key, { start: now, count: 1 });
      return true;
    }
    return ++current.count <= perMinute;
  }
}
const loginLimiters = new WeakMap<object, LoginLimiter>();

function throttle(deps: FlowDeps, clientAddress: string | null, organisation: string, login: string) {
  takeSignInAttempt(deps, clientAddress);
  let limiter = loginLimiters.get(deps.config);
  if (!limiter) loginLimiters.set(deps.config, (limiter = new LoginLimiter()));
  const key = `${organisation.toLowerCase()}\u0000${login.toLowerCase()}`;
  if (!limiter.take(key, deps.clock().getTime(), deps.config.mail.requestsPerMinute)) {
    throw rateLimited("Too many requests for this login; try again in a minute.");
  }
}

/** Runs fn and answers no sooner than MIN_ANSWER_MS after the start (real time, not the injectable clock). */
async function evenly<T>(fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    const left = MIN_ANSWER_MS - (performance.now() - started);
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  }
}

/** Issues a single-use email token; only its hash is stored. */
async function issueToken(
  tx: DbOrTx,
  row: { organisationId: string; contactId: string; purpose: "PASSWORD_RESET" | "REGISTRATION"; now: Date; ttlMinutes: number },
) {
  const token = newToken();
  const expiresAt = new Date(row.now.getTime() + row.ttlMinutes * MINUTE);
  await tx.insert(emailTokens).values({
    tokenHash: tokenHash(token),
    organisationId: row.organisationId,
    purpose: row.purpose,
    contactId: row.contactId,
    expiresAt,
    createdAt: row.now,
  });
  return { token, expiresAt };
}

const badToken = () => badInput("token", "This link is unknown, used or expired.");

/** A live token of the purpose, or BAD_USER_INPUT on token. */
async function liveToken(db: DbOrTx, token: string, purpose: "PASSWORD_RESET" | "REGISTRATION", now: Date) {
  ensure(typeof token === "string" && token.length > 0 && token.length <= 200, badToken);
  const [row] = await db
    .select()
    .from(emailTokens)
    .where(and(eq(emailTokens.tokenHash, tokenHash(token)), eq(emailTokens.purpose, purpose)));
  ensure(row && !row.usedAt && row.expiresAt > now && row.contactId, badToken);
  return row as typeof row & { contactId: string };
}

/** Marks a token used unless someone else just did: the conditional update decides races. */
async function spendToken(tx: DbOrTx, id: string, now: Date) {
  const [spent] = await tx
    .update(emailTokens)
    .set({ usedAt: now })
    .where(and(eq(emailTokens.id, id), isNull(emailTokens.usedAt)))
    .returning({ id: emailTokens.id });
  ensure(spent, badToken);
}

const resetSchema = z.object({
  organisation: z.string().max(200).nullish(),
  login: z.string().trim().min(1, "may not be empty").max(256, "may have at most 256 characters"),
});

/**
 * Always true. For a DATABASE-mode portal account with an email address, queues the reset
 * email with a single-use link token in one transaction with its audit event.
 */
export async function requestPasswordReset(deps: FlowDeps, raw: RequestPasswordResetInput, clientAddress: string | null) {
  const input = check(resetSchema, raw);
  throttle(deps, clientAddress, input.organisation ?? DEFAULT_ORGANISATION_SLUG, input.login);
  return evenly(async () => {
    const org = await findOrganisation(deps, input.organisation);
    if (!org) return true;
    const [found] = await deps.db
      .select({ account: portalAccounts, contact: contacts })
      .from(portalAccounts)
      .innerJoin(contacts, eq(contacts.id, portalAccounts.contactId))
      .where(and(eq(portalAccounts.organisationId, org.id), sql`lower(${portalAccounts.login}) = lower(${input.login})`));
    if (!found || found.account.authMode !== "DATABASE" || !found.contact.email || found.account.pendingVerification) return true;
    const { account, contact } = found;
    const policy = await policyFor(deps.db, org.id);
    const now = deps.clock();
    await deps.db.transaction(async (tx) => {
      const { token, expiresAt } = await issueToken(tx, {
        organisationId: org.id,
        contactId: contact.id,
        purpose: "PASSWORD_RESET",
        now,
        ttlMinutes: policy.resetTokenTtlMinutes,
      });
      await queueEmail(tx, {
        organisationId: org.id,
        to: contact.email!,
        templateKey: "track-password-reset-template",
        locale: account.locale,
        portalUrl: deps.config.mail.portalUrl,
        now,
        values: {
          "contact.firstName": contact.firstName,
          "contact.lastName": contact.lastName,
          login: account.login,
          resetLink: `${deps.config.mail.portalUrl}/reset-password?token=${token}`,
          expiresAt: emailDate(expiresAt),
        },
      });
      const caller: Caller = { organisationId: org.id, actor: null, clientAddress };
      await audit(tx, caller, { action: "requestPasswordReset", entityType: "Contact", entityId: contact.id, changes: {} });
    });
    return true;
  });
}

/**
 * Sets a new password with a reset token. The token dies on use, at expiry, and when the
 * password changed otherwise after it was issued; every session of the account ends.
 */
export async function resetPassword(deps: FlowDeps, input: ResetPasswordInput, clientAddress: string | null) {
  takeSignInAttempt(deps, clientAddress);
  const now = deps.clock();
  const token = await liveToken(deps.db, input.token, "PASSWORD_RESET", now);
  const [account] = await deps.db.select().from(portalAccounts).where(eq(portalAccounts.contactId, token.contactId));
  ensure(account && account.authMode === "DATABASE", badToken);
  ensure(!account.passwordChangedAt || account.passwordChangedAt <= token.createdAt, badToken);
  const owner = { contactId: account.contactId };
  await assertPasswordAllowed(deps, { password: input.newPassword, login: account.login, owner, organisationId: account.organisationId });
  const passwordHash = await deps.hasher.hash(input.newPassword);
  await deps.db.transaction(async (tx) => {
    await spendToken(tx, token.id, now);
    // Other outstanding reset links of the account die with this one.
    await tx
      .update(emailTokens)
      .set({ usedAt: now })
      .where(and(eq(emailTokens.contactId, account.contactId), eq(emailTokens.purpose, "PASSWORD_RESET"), isNull(emailTokens.usedAt)));
    const [updated] = await tx
      .update(portalAccounts)
      .set({ passwordHash, passwordChangedAt: now, mustChangePassword: false, updatedAt: now })
      .where(and(eq(portalAccounts.contactId, account.contactId), account.passwordChangedAt ? eq(portalAccounts.passwordChangedAt, account.passwordChangedAt) : isNull(portalAccounts.passwordChangedAt)))
      .returning({ id: portalAccounts.contactId });
    // The password changed between our read and this write: the token died with that change.
    ensure(updated, badToken);
    await recordPasswordHistory(tx, account.organisationId, owner, passwordHash);
    await endSessionsOf(tx, owner);
    const caller: Caller = { organisationId: account.organisationId, actor: { type: "Contact", id: account.contactId }, clientAddress };
    await audit(tx, caller, { action: "resetPassword", entityType: "Contact", entityId: account.contactId, changes: { passwordChanged: true } });
  });
  return true;
}

const registerSchema = z.object({
  organisation: z.string().max(200).nullish(),
  customerGroupId: z.string(),
  firstName: name("firstName"),
  lastName: name("lastName"),
  email,
  login: loginSchema,
  password: z.string().min(1, "may not be empty").max(1024, "is too long"),
  companyName: name("companyName").nullish(),
});

/**
 * Self-registration. Always true for well-formed input, whether or not anything was created
 * (group without selfRegistration, taken login or email): no account discovery. The new
 * account waits for VerifyRegistration before it may sign in.
 */
export async function registerPortalAccount(deps: FlowDeps, raw: RegisterPortalAccountInput, clientAddress: string | null) {
  const input = check(registerSchema, raw);
  throttle(deps, clientAddress, input.organisation ?? DEFAULT_ORGANISATION_SLUG, input.login);
  return evenly(async () => {
    const org = await findOrganisation(deps, input.organisation);
    const policy = org ? await policyFor(deps.db, org.id) : null;
    if (policy) {
      // The organisation's rules are public knowledge; checking them reveals no account.
      assertUsernameAllowed(input.login, policy, "login");
      await assertPasswordAllowed(deps, { password: input.password, login: input.login, policy });
    }
    // Hashed whether or not an account will be created, so both answers take as long.
    const passwordHash = await deps.hasher.hash(input.password);
    if (!org || !policy || !isId(input.customerGroupId)) return true;
    const [group] = await deps.db
      .select()
      .from(customerGroups)
      .where(and(eq(customerGroups.organisationId, org.id), eq(customerGroups.id, input.customerGroupId)));
    // Self-registration makes password accounts only; directory groups take no registrations.
    if (!group?.selfRegistration || !group.portalEnabled || group.authMode !== "DATABASE") return true;
    const now = deps.clock();
    try {
      await deps.db.transaction(async (tx) => {
        const [taken] = await tx
          .select({ id: portalAccounts.contactId })
          .from(portalAccounts)
          .where(and(eq(portalAccounts.organisationId, org.id), sql`lower(${portalAccounts.login}) = lower(${input.login})`));
        const [known] = await tx
          .select({ id: contacts.id })
          .from(contacts)
          .where(and(eq(contacts.organisationId, org.id), sql`lower(${contacts.email}) = ${input.email}`))
          .limit(1);
        if (taken || known) return;
        // A new company every time: a stranger must never join an existing company (and see its cases) by naming it.
        const [company] = input.companyName
          ? await tx.insert(companies).values({ organisationId: org.id, customerGroupId: group.id, name: input.companyName }).returning()
          : [];
        const [contact] = await tx
          .insert(contacts)
          .values({
            organisationId: org.id,
            customerGroupId: group.id,
            companyId: company?.id ?? null,
            firstName: input.firstName,
            lastName: input.lastName,
            email: input.email,
          })
          .returning();
        await tx.insert(portalAccounts).values({
          contactId: contact.id,
          organisationId: org.id,
          login: input.login,
          passwordHash,
          passwordChangedAt: now,
          authMode: "DATABASE",
          pendingVerification: true,
          profileId: group.profileAssignment === "AUTOMATIC" ? group.defaultProfileId : null,
          createdAt: now,
          updatedAt: now,
        });
        await recordPasswordHistory(tx, org.id, { contactId: contact.id }, passwordHash);
        const { token, expiresAt } = await issueToken(tx, {
          organisationId: org.id,
          contactId: contact.id,
          purpose: "REGISTRATION",
          now,
          ttlMinutes: REGISTRATION_TTL_MINUTES,
        });
        await queueEmail(tx, {
          organisationId: org.id,
          to: input.email,
          templateKey: "registration-verification",
          portalUrl: deps.config.mail.portalUrl,
          now,
          values: {
            "contact.firstName": input.firstName,
            "contact.lastName": input.lastName,
            login: input.login,
            verificationLink: `${deps.config.mail.portalUrl}/verify-registration?token=${token}`,
            expiresAt: emailDate(expiresAt),
          },
        });
        const caller: Caller = { organisationId: org.id, actor: { type: "Contact", id: contact.id }, clientAddress };
        await audit(tx, caller, {
          action: "registerPortalAccount",
          entityType: "Contact",
          entityId: contact.id,
          changes: { login: { from: null, to: input.login }, customerGroupId: { from: null, to: group.id }, passwordChanged: true },
        });
      });
    } catch (error) {
      // A concurrent registration took the login first: the same answer as any other taken login.
      if (!isUniqueViolation(error, "portal_accounts_login_key")) throw error;
    }
    return true;
  });
}

/** Follows the registration link: the account may sign in from now on. */
export async function verifyRegistration(deps: FlowDeps, token: string, clientAddress: string | null) {
  takeSignInAttempt(deps, clientAddress);
  const now = deps.clock();
  const row = await liveToken(deps.db, token, "REGISTRATION", now);
  await deps.db.transaction(async (tx) => {
    await spendToken(tx, row.id, now);
    const [account] = await tx
      .update(portalAccounts)
      .set({ pendingVerification: false, updatedAt: now })
      .where(eq(portalAccounts.contactId, row.contactId))
      .returning({ id: portalAccounts.contactId });
    ensure(account, badToken);
    const caller: Caller = { organisationId: row.organisationId, actor: { type: "Contact", id: row.contactId }, clientAddress };
    await audit(tx, caller, {
      action: "verifyRegistration",
      entityType: "Contact",
      entityId: row.contactId,
      changes: { pendingVerification: { from: true, to: false } },
    });
  });
  return true;
}
