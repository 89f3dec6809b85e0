import { and, eq, sql } from "drizzle-orm";
import type { SelectedFields } from "drizzle-orm/pg-core";
import type { Db } from "../../db/client.js";
import {
  auditEvents,
  authenticationPolicies,
  contacts,
  customerGroups,
  loginThrottles,
  organisations,
  portalAccounts,
  sessions,
  users,
} from "../../db/schema/index.js";
import { DEFAULT_ORGANISATION_SLUG } from "../../db/schema/organisations.js";
import type { ThrottleKey } from "../../auth/throttle.js";

/**
 * Sign-in is the benchmarked hot path and each database round trip costs the event loop a socket
 * write: so a sign-in reads everything in one prepared statement and writes everything in one.
 */
function readStatements(db: Db) {
  const p = sql.placeholder;
  const base = <T extends SelectedFields>(audience: "PORTAL" | "STAFF", fields: T) =>
    db
      .select({ organisation: organisations, policySettings: authenticationPolicies.settings, throttle: loginThrottles, ...fields })
      .from(organisations)
      .leftJoin(authenticationPolicies, eq(authenticationPolicies.organisationGroupId, organisations.organisationGroupId))
      .leftJoin(
        loginThrottles,
        and(eq(loginThrottles.organisationId, organisations.id), eq(loginThrottles.audience, audience), eq(loginThrottles.loginKey, p("loginKey"))),
      )
      .$dynamic();
  const slug = sql`lower(${organisations.slug}) = lower(${p("slug")})`;
  return {
    PORTAL: base("PORTAL", { account: portalAccounts, contact: contacts, portalEnabled: customerGroups.portalEnabled })
      .leftJoin(portalAccounts, and(eq(portalAccounts.organisationId, organisations.id), sql`lower(${portalAccounts.login}) = lower(${p("login")})`))
      .leftJoin(contacts, eq(contacts.id, portalAccounts.contactId))
      .leftJoin(customerGroups, eq(customerGroups.id, contacts.customerGroupId))
      .where(slug)
      .prepare("signInPortal"),
    STAFF: base("STAFF", { user: users })
      .leftJoin(users, and(eq(users.organisationId, organisations.id), sql`lower(${users.username}) = lower(${p("login")})`))
      .where(slug)
      .prepare("signInStaff"),
  };
}

const prepared = new WeakMap<Db, ReturnType<typeof readStatements>>();

const statementsFor = (db: Db) => {
  let statements = prepared.get(db);
  if (!statements) prepared.set(db, (statements = readStatements(db)));
  return statements;
};

/** The organisation a sign-in names, its group's policy settings, the name's throttle row and the account, in one statement. */
export async function readSignIn(db: Db, audience: "PORTAL" | "STAFF", slug: string | null | undefined, login: string) {
  const values = { slug: slug ?? DEFAULT_ORGANISATION_SLUG, login, loginKey: login.toLowerCase() };
  if (audience === "STAFF") {
    const [row] = await statementsFor(db).STAFF.execute(values);
    return row && { ...row, account: null, contact: null, portalEnabled: null };
  }
  const [row] = await statementsFor(db).PORTAL.execute(values);
  return row && { ...row, user: null };
}

export type SignInWrite = {
  key: ThrottleKey;
  now: Date;
  session: { tokenHash: string; expiresAt: Date; requiredActions: string[] };
  subject: { kind: "User" | "Contact"; id: string };
  clientAddress: string | null;
  changes: Record<string, unknown>;
};

/**
 * After a right password, one statement: holds the name's throttle row; if failures locked the
 * name meanwhile, writes nothing and returns the lock; otherwise forgets the failures, opens the
 * session, stamps the last sign-in and writes the audit event (data-modifying CTEs are atomic).
 */
export async function writeSignIn(db: Db, w: SignInWrite): Promise<{ sessionId: string | null; lockedUntil: Date | null }> {
  const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
  const t = loginThrottles;
  const onKey = sql`${t.organisationId} = ${w.key.organisationId} and ${t.audience} = ${w.key.audience} and ${t.loginKey} = ${w.key.login.toLowerCase()}`;
  const stamp =
    w.subject.kind === "User"
      ? sql`update ${users} set last_login_at = ${ts(w.now)} where ${users.id} = ${w.subject.id} and exists (select 1 from opened)`
      : sql`update ${portalAccounts} set last_login_at = ${ts(w.now)}, failed_login_count = 0 where ${portalAccounts.contactId} = ${w.subject.id} and exists (select 1 from opened)`;
  const owner = w.subject.kind === "User" ? sql`${w.subject.id}::uuid, null::uuid` : sql`null::uuid, ${w.subject.id}::uuid`;
  const result = await db.execute<{ session_id: string | null; locked_until: number | null }>(sql`
    with held as (
      select ${t.lockedUntil} as locked_until, ${t.lockedIndefinitely} as locked_indefinitely from ${t} where ${onKey} for update
    ), locked as (
      select locked_until from held where locked_indefinitely or locked_until > ${ts(w.now)}
    ), forgotten as (
      delete from ${t} where ${onKey} and not exists (select 1 from locked)
    ), opened as (
      insert into ${sessions} (token_hash, organisation_id, audience, user_id, contact_id, required_actions, client_address, created_at, last_seen_at, expires_at)
      select ${w.session.tokenHash}, ${w.key.organisationId}::uuid, ${w.key.audience}, ${owner},
        string_to_array(${w.session.requiredActions.join(",")}, ','), ${w.clientAddress}, ${ts(w.now)}, ${ts(w.now)}, ${ts(w.session.expiresAt)}
      where not exists (select 1 from locked)
      returning id
    ), stamped as (${stamp}
    ), audited as (
      insert into ${auditEvents} (organisation_id, actor_type, actor_id, action, entity_type, entity_id, changes, client_address)
      select ${w.key.organisationId}::uuid, ${w.subject.kind}, ${w.subject.id}::uuid, 'login', ${w.subject.kind}, ${w.subject.id}, ${JSON.stringify(w.changes)}::jsonb, ${w.clientAddress}
      where exists (select 1 from opened)
    )
    select (select id from opened) as session_id, (select extract(epoch from locked_until) * 1000 from locked)::float8 as locked_until`);
  const [row] = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{ session_id: string | null; locked_until: number | null }>;
  return { sessionId: row.session_id, lockedUntil: row.locked_until === null ? null : new Date(Number(row.locked_until)) };
}
