import { and, eq, sql } from "drizzle-orm";
import { audit } from "../../audit/audit.js";
import { createSession, endSession } from "../../auth/sessions.js";
import type { Caller, Deps } from "../../context.js";
import { contacts, customerGroups, organisations, portalAccounts, users } from "../../db/schema/index.js";
import { DEFAULT_ORGANISATION_SLUG } from "../../db/schema/organisations.js";
import { accountDisabled, accountLocked, ensure, invalidCredentials } from "../../errors.js";
import { isLocked } from "../customers/portal-account.service.js";
import type { LoginInput } from "./auth.types.js";

type LoginDeps = Pick<Deps, "db" | "hasher" | "clock" | "config">;

export type LoginOutcome = {
  token: string;
  expiresAt: Date;
  requiredActions: string[];
  passwordExpiresInDays: number | null;
  warnings: string[];
  principal: { __typename: "User" | "Contact"; id: string };
};

async function findOrganisation(deps: LoginDeps, slug: string | null | undefined) {
  const [org] = await deps.db
    .select()
    .from(organisations)
    .where(sql`lower(${organisations.slug}) = lower(${slug ?? DEFAULT_ORGANISATION_SLUG})`);
  return org;
}

/**
 * Signs a staff user or a portal contact in. Unknown logins cost one verification too, and
 * every refusal that could reveal an account comes only after the password was right.
 */
export async function login(deps: LoginDeps, input: LoginInput, clientAddress: string | null): Promise<LoginOutcome> {
  const org = await findOrganisation(deps, input.organisation);
  const subject = org ? await findSubject(deps, org.id, input) : undefined;
  const passwordOk = await deps.hasher.verify(subject?.passwordHash, input.password);
  const now = deps.clock();
  const caller: Caller = {
    organisationId: org?.id ?? "",
    actor: subject ? { type: subject.kind, id: subject.id } : null,
    clientAddress,
  };

  if (!subject || !passwordOk) {
    if (org) await recordFailure(deps, caller, input, subject);
    throw invalidCredentials();
  }
  if (subject.kind === "User") ensure(subject.active, () => accountDisabled("This staff user is inactive."));
  else {
    ensure(subject.enabled, () => accountDisabled("Portal access is disabled for this account."));
    ensure(subject.portalEnabled, () => accountDisabled("This account's customer group is not enabled for the portal."));
    ensure(subject.profileId, () => accountDisabled("This portal account has no portal profile, so it may not sign in."));
    ensure(!isLocked(subject, now), () => accountLocked(subject.locked ? null : subject.lockedUntil));
  }

  const requiredActions = subject.mustChangePassword ? ["CHANGE_PASSWORD"] : [];
  return deps.db.transaction(async (tx) => {
    const session = await createSession(tx, deps, {
      organisationId: org!.id,
      audience: input.audience,
      ...(subject.kind === "User" ? { userId: subject.id } : { contactId: subject.id }),
      requiredActions,
      clientAddress,
    });
    if (subject.kind === "User") {
      await tx.update(users).set({ lastLoginAt: now }).where(eq(users.id, subject.id));
    } else {
      await tx
        .update(portalAccounts)
        .set({ lastLoginAt: now, failedLoginCount: 0 })
        .where(eq(portalAccounts.contactId, subject.id));
    }
    await audit(tx, caller, { action: "login", entityType: subject.kind, entityId: subject.id, changes: { audience: input.audience } });
    return {
      token: session.token,
      expiresAt: session.expiresAt,
      requiredActions,
      passwordExpiresInDays: null,
      warnings: [],
      principal: { __typename: subject.kind, id: subject.id },
    };
  });
}

type Subject =
  | { kind: "User"; id: string; passwordHash: string | null; active: boolean; mustChangePassword: boolean }
  | {
      kind: "Contact";
      id: string;
      passwordHash: string | null;
      enabled: boolean;
      portalEnabled: boolean;
      locked: boolean;
      lockedUntil: Date | null;
      mustChangePassword: boolean;
      profileId: string | null;
    };

async function findSubject(deps: LoginDeps, organisationId: string, input: LoginInput): Promise<Subject | undefined> {
  if (input.audience === "STAFF") {
    const [user] = await deps.db
      .select({ id: users.id, passwordHash: users.passwordHash, state: users.state })
      .from(users)
      .where(and(eq(users.organisationId, organisationId), sql`lower(${users.username}) = lower(${input.login})`));
    return user && { kind: "User", id: user.id, passwordHash: user.passwordHash, active: user.state === "ACTIVE", mustChangePassword: false };
  }
  const [account] = await deps.db
    .select({
      id: portalAccounts.contactId,
      passwordHash: portalAccounts.passwordHash,
      authMode: portalAccounts.authMode,
      enabled: portalAccounts.enabled,
      locked: portalAccounts.locked,
      lockedUntil: portalAccounts.lockedUntil,
      mustChangePassword: portalAccounts.mustChangePassword,
      profileId: portalAccounts.profileId,
      portalEnabled: customerGroups.portalEnabled,
    })
    .from(portalAccounts)
    .innerJoin(contacts, eq(contacts.id, portalAccounts.contactId))
    .innerJoin(customerGroups, eq(customerGroups.id, contacts.customerGroupId))
    .where(and(eq(portalAccounts.organisationId, organisationId), sql`lower(${portalAccounts.login}) = lower(${input.login})`));
  if (!account) return undefined;
  // Directory accounts have no password here; they sign in once directories arrive.
  const passwordHash = account.authMode === "DATABASE" ? account.passwordHash : null;
  return { kind: "Contact", ...account, passwordHash };
}

async function recordFailure(deps: LoginDeps, caller: Caller, input: LoginInput, subject: Subject | undefined) {
  await deps.db.transaction(async (tx) => {
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
  });
}

/** True whether or not a session was open. */
export async function logout(deps: Pick<Deps, "db">, sessionId: string | null) {
  if (sessionId) await endSession(deps.db, sessionId);
  return true;
}

