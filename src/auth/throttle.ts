import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client.js";
import { loginThrottles } from "../db/schema/index.js";
import type { AuthenticationPolicy } from "./policy.js";

const MINUTE = 60_000;

/** One login name of one audience in one organisation: the throttle's key (lower-cased, as logins compare). */
export type ThrottleKey = { organisationId: string; audience: "PORTAL" | "STAFF"; login: string };
export type ThrottleRow = typeof loginThrottles.$inferSelect;

const whereKey = (key: ThrottleKey) =>
  and(
    eq(loginThrottles.organisationId, key.organisationId),
    eq(loginThrottles.audience, key.audience),
    eq(loginThrottles.loginKey, key.login.toLowerCase()),
  );

/** The lock failures put on a name: locked, and until when (null: until staff unlock it). */
export function throttleLock(row: ThrottleRow | undefined | null, now: Date): { locked: boolean; until: Date | null } {
  if (!row) return { locked: false, until: null };
  if (row.lockedIndefinitely) return { locked: true, until: null };
  if (row.lockedUntil && row.lockedUntil > now) return { locked: true, until: row.lockedUntil };
  return { locked: false, until: null };
}

/** Failures that still count: those in the current window, and none once a lock has run out. */
export function failuresInWindow(row: ThrottleRow | undefined | null, policy: AuthenticationPolicy, now: Date): number {
  if (!row) return 0;
  if (throttleLock(row, now).locked) return row.failures;
  if (row.lockedUntil && row.lockedUntil <= now) return 0;
  return row.windowStartedAt.getTime() + policy.lockout.windowMinutes * MINUTE > now.getTime() ? row.failures : 0;
}

/**
 * Counts one failed sign-in in a single atomic upsert, so concurrent failures, in this process
 * or another sharing the database, cannot slip past the limit. Returns the row after it.
 */
export async function recordFailedSignIn(db: DbOrTx, key: ThrottleKey, policy: AuthenticationPolicy, now: Date): Promise<ThrottleRow> {
  const { maxFailures, windowMinutes, lockoutMinutes } = policy.lockout;
  const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
  const lockEnd = lockoutMinutes > 0 ? new Date(now.getTime() + lockoutMinutes * MINUTE) : null;
  const cutoff = new Date(now.getTime() - windowMinutes * MINUTE);
  const t = loginThrottles;
  const active = sql`(${t.lockedIndefinitely} or coalesce(${t.lockedUntil} > ${ts(now)}, false))`;
  const stale = sql`(${t.windowStartedAt} <= ${ts(cutoff)} or (not ${t.lockedIndefinitely} and coalesce(${t.lockedUntil} <= ${ts(now)}, false)))`;
  const next = sql`(case when ${stale} then 1 else ${t.failures} + 1 end)`;
  const firstLocks = 1 >= maxFailures;
  const [row] = await db
    .insert(t)
    .values({
      organisationId: key.organisationId,
      audience: key.audience,
      loginKey: key.login.toLowerCase(),
      failures: 1,
      windowStartedAt: now,
      lockedUntil: firstLocks ? lockEnd : null,
      lockedIndefinitely: firstLocks && lockEnd === null,
    })
    .onConflictDoUpdate({
      target: [t.organisationId, t.audience, t.loginKey],
      set: {
        // A count that sets the lock is capped at maxFailures (it may be higher after the policy lowered it), so
        // "above maxFailures" always means "the name was locked before this attempt", as login answers it.
        failures: sql`case when ${active} then ${t.failures} + 1 when ${next} >= ${maxFailures} then ${maxFailures} else ${next} end`,
        windowStartedAt: sql`case when not ${active} and ${stale} then ${ts(now)} else ${t.windowStartedAt} end`,
        lockedUntil: sql`case when ${active} then ${t.lockedUntil} when ${next} >= ${maxFailures} then ${lockEnd ? ts(lockEnd) : sql`null`} else null end`,
        lockedIndefinitely: sql`case when ${active} then ${t.lockedIndefinitely} else (${next} >= ${maxFailures} and ${lockEnd === null}) end`,
      },
    })
    .returning();
  return row;
}

/** Lifts a lock and forgets the failures of a name (staff unlock). */
export async function clearThrottle(db: DbOrTx, key: ThrottleKey) {
  await db.delete(loginThrottles).where(whereKey(key));
}
