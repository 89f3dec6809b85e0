import { and, eq, lt, ne, sql } from "drizzle-orm";
import type { Clock, Deps, Principal } from "../context.js";
import { type Db, type DbOrTx, perDatabase } from "../db/client.js";
import { authenticationPolicies, contacts, customerGroups, organisations, portalAccounts, sessions, users } from "../db/schema/index.js";
import { DEFAULT_POLICY, policySchema } from "./policy.js";
import { tokenHash } from "./tokens.js";

const MINUTE = 60_000;
/** last_seen_at is written at most this often (a tenth of the idle timeout, at most a minute), so a busy session does not write on every request. */
const touchInterval = (idleMinutes: number) => Math.min(MINUTE, (idleMinutes * MINUTE) / 10);

/** Every request with a token runs it. */
const sessionStatement = perDatabase((db: Db) =>
  db
    .select({
      sessionId: sessions.id,
      organisationId: sessions.organisationId,
      organisationGroupId: organisations.organisationGroupId,
      userId: sessions.userId,
      contactId: sessions.contactId,
      requiredActions: sessions.requiredActions,
      lastSeenAt: sessions.lastSeenAt,
      expiresAt: sessions.expiresAt,
      userState: users.state,
      superUser: users.superUser,
      accountEnabled: portalAccounts.enabled,
      accountLocked: portalAccounts.locked,
      accountLockedUntil: portalAccounts.lockedUntil,
      profileId: portalAccounts.profileId,
      companyId: contacts.companyId,
      portalEnabled: customerGroups.portalEnabled,
      policySettings: authenticationPolicies.settings,
    })
    .from(sessions)
    .innerJoin(organisations, eq(organisations.id, sessions.organisationId))
    .leftJoin(authenticationPolicies, eq(authenticationPolicies.organisationGroupId, organisations.organisationGroupId))
    .leftJoin(users, eq(users.id, sessions.userId))
    .leftJoin(contacts, eq(contacts.id, sessions.contactId))
    .leftJoin(portalAccounts, eq(portalAccounts.contactId, sessions.contactId))
    .leftJoin(customerGroups, eq(customerGroups.id, contacts.customerGroupId))
    .where(eq(sessions.tokenHash, sql.placeholder("tokenHash")))
    .prepare("principalForToken"),
);

/**
 * The principal behind a bearer token, or null. Account state is read on every request,
 * so disabling, locking or revoking an account ends its sessions at their next request.
 */
export async function principalForToken(
  deps: Pick<Deps, "db" | "clock">,
  token: string,
): Promise<Principal | null> {
  const now = deps.clock();
  const [row] = await sessionStatement(deps.db).execute({ tokenHash: tokenHash(token) });
  if (!row) return null;
  // The idle timeout is the policy's as it is now, so a shorter one applies to open sessions too.
  const idleMinutes = (row.policySettings ? policySchema.parse(row.policySettings) : DEFAULT_POLICY).session.idleTimeoutMinutes;
  if (!sessionAlive(row, now, idleMinutes)) return null;
  if (row.userId && row.userState !== "ACTIVE") return null;
  if (row.contactId && !portalAccountUsable(row, now)) return null;
  if (now.getTime() - row.lastSeenAt.getTime() > touchInterval(idleMinutes)) {
    await deps.db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, row.sessionId));
  }
  return {
    kind: row.userId ? "User" : "Contact",
    id: (row.userId ?? row.contactId)!,
    organisationId: row.organisationId,
    organisationGroupId: row.organisationGroupId,
    sessionId: row.sessionId,
    superUser: row.superUser === true,
    requiredActions: row.requiredActions,
    companyId: row.companyId,
    profileId: row.profileId,
  };
}

function sessionAlive(row: { expiresAt: Date; lastSeenAt: Date }, now: Date, idleMinutes: number) {
  return row.expiresAt > now && row.lastSeenAt.getTime() + idleMinutes * MINUTE > now.getTime();
}

/** Whether a portal account may hold a session at all: the same test sign-in applies. */
export function portalAccountUsable(
  row: {
    accountEnabled: boolean | null;
    accountLocked: boolean | null;
    accountLockedUntil: Date | null;
    portalEnabled: boolean | null;
    profileId: string | null;
  },
  now: Date,
) {
  if (row.accountEnabled !== true || row.portalEnabled !== true || !row.profileId) return false;
  if (row.accountLocked) return false;
  return !(row.accountLockedUntil && row.accountLockedUntil > now);
}

export async function endSession(db: DbOrTx, sessionId: string) {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}

/** Ends every session of a principal: its next request is UNAUTHENTICATED. */
export async function endSessionsOf(tx: DbOrTx, who: { userId?: string; contactId?: string }) {
  if (who.userId) await tx.delete(sessions).where(eq(sessions.userId, who.userId));
  if (who.contactId) await tx.delete(sessions).where(eq(sessions.contactId, who.contactId));
}

/** Ends the sessions of every contact in a customer group, when the group leaves the portal. */
export async function endSessionsOfCustomerGroup(tx: DbOrTx, customerGroupId: string) {
  await tx.execute(
    sql`delete from ${sessions} where ${sessions.contactId} in (select ${contacts.id} from ${contacts} where ${contacts.customerGroupId} = ${customerGroupId})`,
  );
}

/** Removes sessions past their absolute expiry; run now and then. */
export async function purgeExpiredSessions(db: DbOrTx, clock: Clock) {
  await db.delete(sessions).where(lt(sessions.expiresAt, clock()));
}


/** Ends every other session of the principal and lifts the required actions of the current one. */
export async function afterOwnPasswordChange(tx: DbOrTx, who: { userId?: string; contactId?: string }, currentSessionId: string | null) {
  const owner = who.userId ? eq(sessions.userId, who.userId) : eq(sessions.contactId, who.contactId!);
  if (currentSessionId) {
    await tx.delete(sessions).where(and(owner, ne(sessions.id, currentSessionId)));
    await tx.update(sessions).set({ requiredActions: [] }).where(eq(sessions.id, currentSessionId));
  } else {
    await tx.delete(sessions).where(owner);
  }
}
