import { and, eq, sql } from "drizzle-orm";
import { audit } from "../../audit/audit.js";
import { assertPasswordAllowed, type PasswordOwner, recordPasswordHistory } from "../../auth/password-policy.js";
import { type AuthenticationPolicy, DEFAULT_POLICY, policySchema } from "../../auth/policy.js";
import { takeSignInAttempt } from "../../auth/rate-limit.js";
import { afterOwnPasswordChange, endSession, endSessionsOf } from "../../auth/sessions.js";
import { decideSignIn, hasLocalPassword, type SignInSubject } from "../../auth/sign-in-decision.js";
import { clearThrottle, recordFailedSignIn, type ThrottleKey } from "../../auth/throttle.js";
import { newToken, tokenHash } from "../../auth/tokens.js";
import type { Caller, Deps, Principal } from "../../context.js";
import { contacts, organisations, portalAccounts, users } from "../../db/schema/index.js";
import { DEFAULT_ORGANISATION_SLUG } from "../../db/schema/organisations.js";
import { AppError, accountLocked, badInput, ensure, ErrorCode, forbidden, invalidCredentials, notFound } from "../../errors.js";
import type { LoginInput } from "./auth.types.js";
import { type OrganisationRef, readSignIn, writeSignIn } from "./sign-in.queries.js";

type LoginDeps = Pick<Deps, "db" | "hasher" | "clock" | "config">;

export type LoginOutcome = {
  token: string;
  expiresAt: Date;
  requiredActions: string[];
  passwordExpiresInDays: number | null;
  warnings: string[];
  /** The signed-in user's or contact's row, read with the sign-in, so nothing reloads it. */
  principal: (typeof users.$inferSelect & { __typename: "User" }) | (typeof contacts.$inferSelect & { __typename: "Contact" });
};

export async function findOrganisation(deps: Pick<Deps, "db">, slug: string | null | undefined) {
  const [org] = await deps.db
    .select()
    .from(organisations)
    .where(sql`lower(${organisations.slug}) = lower(${slug ?? DEFAULT_ORGANISATION_SLUG})`);
  return org;
}

const refusal = (r: { code: string; message: string; lockedUntil?: Date | null }) =>
  r.code === "ACCOUNT_LOCKED" ? accountLocked(r.lockedUntil ?? null) : new AppError(r.code as ErrorCode, r.message);

const MINUTE = 60_000;

/**
 * Signs a staff user or a portal contact in. Unknown logins cost one verification too, a
 * locked name is refused before any verification, and every refusal that could reveal an
 * account comes only after the password was right. A success is two statements: one read, one write.
 */
export async function login(deps: LoginDeps, input: LoginInput, clientAddress: string | null): Promise<LoginOutcome> {
  takeSignInAttempt(deps, clientAddress);
  deps.hasher.assertCapacity();
  const { found, org, policy, throttle, subject } = await signInState(deps, input.audience, { slug: input.organisation }, input.login);
  const key: ThrottleKey | null = org ? { organisationId: org.id, audience: input.audience, login: input.login } : null;
  const now = deps.clock();
  const early = decideSignIn({ throttle, subject: undefined, passwordOk: true }, policy, now);
  if ("refusal" in early && early.refusal.code === "ACCOUNT_LOCKED") throw refusal(early.refusal);

  const passwordOk = await deps.hasher.verify(subject && hasLocalPassword(subject) ? subject.passwordHash : null, input.password);
  const caller: Caller = {
    organisationId: org?.id ?? "",
    actor: subject ? { type: subject.kind, id: subject.id } : null,
    clientAddress,
  };

  if (!subject || !passwordOk) {
    if (org && key) {
      const row = await recordFailure(deps, caller, input, subject, key, policy, now);
      // A failure counted after the limit was reached means the name was locked meanwhile.
      if (row.failures > policy.lockout.maxFailures) throw refusal({ code: "ACCOUNT_LOCKED", message: "", lockedUntil: row.lockedUntil });
    }
    throw invalidCredentials();
  }
  const decision = decideSignIn({ throttle: undefined, subject, passwordOk }, policy, now);
  if ("refusal" in decision) throw refusal(decision.refusal);
  const { requiredActions, passwordExpiresInDays, warnings } = decision.grant;

  const token = newToken();
  const expiresAt = new Date(now.getTime() + policy.session.absoluteTimeoutMinutes * MINUTE);
  const written = await writeSignIn(deps.db, {
    key: key!,
    now,
    session: { tokenHash: tokenHash(token), expiresAt, requiredActions },
    subject,
    clientAddress,
    changes: { audience: input.audience },
    syncCommit: deps.config.signInSyncCommit,
  });
  if (!written.sessionId) throw accountLocked(written.lockedUntil);
  const principal = found!.user ? { ...found!.user, __typename: "User" as const } : { ...found!.contact!, __typename: "Contact" as const };
  return { token, expiresAt, requiredActions, passwordExpiresInDays, warnings, principal };
}

const userSubject = (user: typeof users.$inferSelect): SignInSubject => ({
  kind: "User",
  id: user.id,
  login: user.username,
  passwordHash: user.passwordHash,
  active: user.state === "ACTIVE",
  mustChangePassword: user.mustChangePassword,
  passwordChangedAt: user.passwordChangedAt,
});

const accountSubject = (account: typeof portalAccounts.$inferSelect, portalEnabled: boolean): SignInSubject => ({
  kind: "Contact",
  id: account.contactId,
  login: account.login,
  passwordHash: account.passwordHash,
  authMode: account.authMode,
  enabled: account.enabled,
  locked: account.locked,
  lockedUntil: account.lockedUntil,
  mustChangePassword: account.mustChangePassword,
  passwordResetDate: account.passwordResetDate,
  passwordNeverExpires: account.passwordNeverExpires,
  passwordChangedAt: account.passwordChangedAt,
  profileId: account.profileId,
  pendingVerification: account.pendingVerification,
  portalEnabled,
});

/** Everything sign-in decides on for a login, in one statement: organisation, policy, the name's throttle row, the account. */
export async function signInState(deps: Pick<Deps, "db">, audience: "PORTAL" | "STAFF", organisation: OrganisationRef, login: string) {
  const found = await readSignIn(deps.db, audience, organisation, login);
  const subject = found?.user ? userSubject(found.user) : found?.account ? accountSubject(found.account, found.portalEnabled === true) : undefined;
  return {
    found,
    org: found?.organisation,
    policy: found?.policySettings ? policySchema.parse(found.policySettings) : DEFAULT_POLICY,
    throttle: found?.throttle ?? undefined,
    subject,
  };
}

async function recordFailure(
  deps: LoginDeps,
  caller: Caller,
  input: LoginInput,
  subject: SignInSubject | undefined,
  key: ThrottleKey,
  policy: AuthenticationPolicy,
  now: Date,
) {
  return deps.db.transaction(async (tx) => {
    const row = await recordFailedSignIn(tx, key, policy, now);
    if (subject?.kind === "Contact") {
      await tx
        .update(portalAccounts)
        .set({ failedLoginCount: sql`${portalAccounts.failedLoginCount} + 1` })
        .where(eq(portalAccounts.contactId, subject.id));
    }
    await audit(tx, caller, {
      action: "loginFailed",
      entityType: subject?.kind ?? (input.audience === "STAFF" ? "User" : "Contact"),
      entityId: subject?.id ?? null,
      changes: { audience: input.audience, login: input.login },
    });
    return row;
  });
}

/**
 * Lifts a failure lock on a login name and forgets its failures: for staff users the only way
 * out of a lock when the policy's lockoutMinutes is 0 (portal accounts also have SetPortalAccess).
 */
export async function unlockSignIn(deps: Pick<Deps, "db">, caller: Caller, audience: "PORTAL" | "STAFF", login: string) {
  const { subject } = await signInState(deps, audience, { id: caller.organisationId }, login);
  return deps.db.transaction(async (tx) => {
    await clearThrottle(tx, { organisationId: caller.organisationId, audience, login });
    await audit(tx, caller, {
      action: "unlockSignIn",
      entityType: subject?.kind ?? (audience === "STAFF" ? "User" : "Contact"),
      entityId: subject?.id ?? null,
      changes: { audience, login },
    });
    return true;
  });
}

/** True whether or not a session was open. */
export async function logout(deps: Pick<Deps, "db">, sessionId: string | null) {
  if (sessionId) await endSession(deps.db, sessionId);
  return true;
}

type PasswordDeps = Pick<Deps, "db" | "hasher" | "clock">;

/** The stored password state of a staff user or portal account, by principal. */
async function credentialOf(db: Deps["db"], who: { kind: "User" | "Contact"; id: string; organisationId: string }) {
  if (who.kind === "User") {
    const [u] = await db
      .select()
      .from(users)
      .where(and(eq(users.id, who.id), eq(users.organisationId, who.organisationId)));
    return u && { login: u.username, passwordHash: u.passwordHash, cannotChange: false, directory: false };
  }
  const [a] = await db.select().from(portalAccounts).where(eq(portalAccounts.contactId, who.id));
  return a && { login: a.login, passwordHash: a.passwordHash, cannotChange: a.cannotChangePassword, directory: a.authMode !== "DATABASE" };
}

/**
 * Sets a new password for an account after the checks, in one transaction with its history
 * row and audit event; `own` lifts the current session's required actions and ends the others.
 */
async function storeNewPassword(
  deps: PasswordDeps,
  caller: Caller,
  target: { kind: "User" | "Contact"; id: string; organisationId: string },
  newPassword: string,
  login: string,
  action: string,
  currentSessionId: string | null,
) {
  const owner: PasswordOwner = target.kind === "User" ? { userId: target.id } : { contactId: target.id };
  await assertPasswordAllowed(deps, { organisationId: target.organisationId, password: newPassword, login, owner });
  const passwordHash = await deps.hasher.hash(newPassword);
  const now = deps.clock();
  await deps.db.transaction(async (tx) => {
    if (target.kind === "User") {
      await tx.update(users).set({ passwordHash, passwordChangedAt: now, mustChangePassword: false, updatedAt: now }).where(eq(users.id, target.id));
    } else {
      await tx
        .update(portalAccounts)
        .set({ passwordHash, passwordChangedAt: now, mustChangePassword: false, passwordResetDate: null, updatedAt: now })
        .where(eq(portalAccounts.contactId, target.id));
    }
    await recordPasswordHistory(tx, target.organisationId, owner, passwordHash);
    const who = target.kind === "User" ? { userId: target.id } : { contactId: target.id };
    if (currentSessionId) await afterOwnPasswordChange(tx, who, currentSessionId);
    else await endSessionsOf(tx, who);
    await audit(tx, caller, { action, entityType: target.kind, entityId: target.id, changes: { passwordChanged: true } });
  });
}

/** Self-service change: the current password is always required (INVALID_CREDENTIALS when wrong). */
export async function changePassword(deps: PasswordDeps, caller: Caller, principal: Principal, input: { currentPassword: string; newPassword: string }) {
  const account = await credentialOf(deps.db, principal);
  ensure(account, () => notFound("Account"));
  ensure(!account.directory, () => new AppError(ErrorCode.NOT_SUPPORTED_FOR_DIRECTORY, "This account's password is kept in a directory; change it there."));
  ensure(!account.cannotChange, () => forbidden("This account may not change its password."));
  ensure(await deps.hasher.verify(account.passwordHash, input.currentPassword), () => invalidCredentials());
  await storeNewPassword(deps, caller, principal, input.newPassword, account.login, "changePassword", principal.sessionId);
  return true;
}

/**
 * A staff user's password set by staff: its own always needs the current one; another's needs
 * the target's current one unless the caller is a super user. Ends that user's sessions.
 */
export async function changeUserPassword(
  deps: PasswordDeps,
  caller: Caller,
  principal: Principal,
  input: { userId: string; currentPassword?: string | null; newPassword: string },
) {
  const isOwn = input.userId === principal.id;
  const target = { kind: "User" as const, id: input.userId, organisationId: principal.organisationId };
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(input.userId);
  const account = uuid ? await credentialOf(deps.db, target) : undefined;
  ensure(account, () => notFound("User"));
  if (isOwn || !principal.superUser) {
    ensure(input.currentPassword != null, () => badInput("currentPassword", "Give the current password."));
    ensure(await deps.hasher.verify(account.passwordHash, input.currentPassword), () => invalidCredentials());
  }
  await storeNewPassword(deps, caller, target, input.newPassword, account.login, "changeUserPassword", isOwn ? principal.sessionId : null);
  return true;
}
