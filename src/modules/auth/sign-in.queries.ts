import { and, eq, sql } from "drizzle-orm";
import type { SelectedFields } from "drizzle-orm/pg-core";
import { type Db, perDatabase, prepareRaw } from "../../db/client.js";
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
  const portal = () =>
    base("PORTAL", { account: portalAccounts, contact: contacts, portalEnabled: customerGroups.portalEnabled })
      .leftJoin(portalAccounts, and(eq(portalAccounts.organisationId, organisations.id), sql`lower(${portalAccounts.login}) = lower(${p("login")})`))
      .leftJoin(contacts, eq(contacts.id, portalAccounts.contactId))
      .leftJoin(customerGroups, eq(customerGroups.id, contacts.customerGroupId));
  const staff = () =>
    base("STAFF", { user: users }).leftJoin(users, and(eq(users.organisationId, organisations.id), sql`lower(${users.username}) = lower(${p("login")})`));
  // Sign-in names its organisation by slug; staff tools name their own by id.
  const bySlug = sql`lower(${organisations.slug}) = lower(${p("slug")})`;
  const byId = eq(organisations.id, p("organisationId"));
  return {
    PORTAL: { slug: portal().where(bySlug).prepare("signInPortal"), id: portal().where(byId).prepare("signInPortalById") },
    STAFF: { slug: staff().where(bySlug).prepare("signInStaff"), id: staff().where(byId).prepare("signInStaffById") },
  };
}

const statementsFor = perDatabase(readStatements);

export type OrganisationRef = { slug: string | null | undefined } | { id: string };

/**
 * The organisation, its group's policy settings, the name's throttle row and the account a
 * sign-in looks at, in one statement: what `login` decides on, and `explainSignIn` explains.
 */
export async function readSignIn(db: Db, audience: "PORTAL" | "STAFF", organisation: OrganisationRef, login: string) {
  const values = {
    ...("id" in organisation ? { organisationId: organisation.id } : { slug: organisation.slug ?? DEFAULT_ORGANISATION_SLUG }),
    login,
    loginKey: login.toLowerCase(),
  };
  const by = "id" in organisation ? "id" : "slug";
  if (audience === "STAFF") {
    const [row] = await statementsFor(db).STAFF[by].execute(values);
    return row && { ...row, account: null, contact: null, portalEnabled: null };
  }
  const [row] = await statementsFor(db).PORTAL[by].execute(values);
  return row && { ...row, user: null };
}

export type SignInWrite = {
  key: ThrottleKey;
  now: Date;
  session: { tokenHash: string; expiresAt: Date; requiredActions: string[] };
  subject: { kind: "User" | "Contact"; id: string };
  clientAddress: string | null;
  changes: Record<string, unknown>;
  /** Wait for the commit to reach the disk; otherwise PostgreSQL flushes it within a few hundred milliseconds. */
  syncCommit: boolean;
};

/**
 * After a right password, one statement: holds the name's throttle row; if failures locked the
 * name meanwhile, writes nothing and returns the lock; otherwise forgets the failures, opens the
 * session, stamps the last sign-in and writes the audit event (data-modifying CTEs are atomic).
 * Without syncCommit it commits asynchronously: a database crash within PostgreSQL's flush window
 * (a few hundred milliseconds) forgets the sign-in whole, session and audit event together.
 */
function writeStatement(db: Db, kind: "User" | "Contact", syncCommit: boolean) {
  const p = sql.placeholder;
  const t = loginThrottles;
  const now = sql`${p("now")}::timestamptz`;
  const onKey = sql`${t.organisationId} = ${p("organisationId")} and ${t.audience} = ${p("audience")} and ${t.loginKey} = ${p("loginKey")}`;
  const stamp =
    kind === "User"
      ? sql`update ${users} set last_login_at = ${now} where ${users.id} = ${p("subjectId")} and exists (select 1 from opened)`
      : sql`update ${portalAccounts} set last_login_at = ${now}, failed_login_count = 0 where ${portalAccounts.contactId} = ${p("subjectId")} and exists (select 1 from opened)`;
  const owner = kind === "User" ? sql`${p("subjectId")}::uuid, null::uuid` : sql`null::uuid, ${p("subjectId")}::uuid`;
  return prepareRaw<{ session_id: string | null; locked_until: number | null }>(
    db,
    `signInWrite${kind}${syncCommit ? "Sync" : ""}`,
    sql`
    with held as (
      select ${t.lockedUntil} as locked_until, ${t.lockedIndefinitely} as locked_indefinitely from ${t} where ${onKey} for update
    ), locked as (
      select locked_until from held where locked_indefinitely or locked_until > ${now}
    ), forgotten as (
      delete from ${t} where ${onKey} and not exists (select 1 from locked)
    ), opened as (
      insert into ${sessions} (token_hash, organisation_id, audience, user_id, contact_id, required_actions, client_address, created_at, last_seen_at, expires_at)
      select ${p("tokenHash")}, ${p("organisationId")}::uuid, ${p("audience")}, ${owner}, string_to_array(${p("requiredActions")}, ','),
        ${p("clientAddress")}, ${now}, ${now}, ${p("expiresAt")}::timestamptz
      where not exists (select 1 from locked)
      returning id
    ), stamped as (${stamp}
    ), audited as (
      insert into ${auditEvents} (organisation_id, actor_type, actor_id, action, entity_type, entity_id, changes, client_address)
      select ${p("organisationId")}::uuid, ${kind}, ${p("subjectId")}::uuid, 'login', ${kind}, ${p("subjectId")}, ${p("changes")}::jsonb, ${p("clientAddress")}
      where exists (select 1 from opened)
    )
    select (select id from opened) as session_id, (select extract(epoch from locked_until) * 1000 from locked)::float8 as locked_until,
      set_config('synchronous_commit', ${sql.raw(syncCommit ? "'on'" : "'off'")}, true) as commit_mode`,
  );
}

const writesOf = perDatabase(() => new Map<string, ReturnType<typeof writeStatement>>());

export async function writeSignIn(db: Db, w: SignInWrite): Promise<{ sessionId: string | null; lockedUntil: Date | null }> {
  const variant = `${w.subject.kind}/${w.syncCommit}`;
  const variants = writesOf(db);
  let write = variants.get(variant);
  if (!write) variants.set(variant, (write = writeStatement(db, w.subject.kind, w.syncCommit)));
  const [row] = await write({
    organisationId: w.key.organisationId,
    audience: w.key.audience,
    loginKey: w.key.login.toLowerCase(),
    now: w.now.toISOString(),
    tokenHash: w.session.tokenHash,
    expiresAt: w.session.expiresAt.toISOString(),
    requiredActions: w.session.requiredActions.join(","),
    subjectId: w.subject.id,
    clientAddress: w.clientAddress,
    changes: JSON.stringify(w.changes),
  });
  return { sessionId: row.session_id, lockedUntil: row.locked_until === null ? null : new Date(Number(row.locked_until)) };
}
