/**
 * `npm run seed:demo`: the demo organisation after the product documents, loaded twice into
 * a fresh database; the second run changes nothing, and the printed logins work over HTTP.
 */
// The seed imports services whose types carry type-graphql decorators: the metadata polyfill goes first.
import "reflect-metadata";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import type { Caller } from "../../src/context.js";
import { users } from "../../src/db/schema/index.js";
import { CASE_COUNT, type DemoAccountState, EXPIRING_IN_DAYS, seedDemo } from "../../src/demo/seed.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { allMyCases, caseReadable } from "./support.js";

let server: TestServer;
let admin: GatehouseClient;
let caller: Caller;
let first: Awaited<ReturnType<typeof seedDemo>>;
let second: Awaited<ReturnType<typeof seedDemo>>;
let afterFirst: Awaited<ReturnType<typeof rowCounts>>;
let afterSecond: Awaited<ReturnType<typeof rowCounts>>;

/** Rows of a raw query, whichever driver answered. */
async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result: any = await server.db.execute(query);
  return (Array.isArray(result) ? result : result.rows) as T[];
}

/**
 * Row counts and a digest of the contents of every table of the public schema, except the
 * ones every request writes to.
 */
async function rowCounts() {
  const tables = await rows<{ tablename: string }>(sql`select tablename from pg_tables where schemaname = 'public' order by tablename`);
  const counts: Record<string, number> = {};
  const digests: Record<string, string | null> = {};
  for (const { tablename } of tables) {
    if (tablename === "audit_events" || tablename === "sessions") continue;
    const t = sql.identifier(tablename);
    const [{ n, digest }] = await rows<{ n: number | string; digest: string | null }>(
      sql`select count(*) as n, md5(string_agg(x::text, '|' order by x::text)) as digest from ${t} as x`,
    );
    counts[tablename] = Number(n);
    digests[tablename] = digest;
  }
  return { counts, digests };
}

let seedStarted: number;
let seedEnded: number;

beforeAll(async () => {
  // No delivery worker: its expiry warnings would change rows between the two runs.
  server = await startTestServer({ env: { GATEHOUSE_MAIL_POLL_MS: "0" } });
  admin = await server.admin();
  const [row] = await server.db.select().from(users).where(eq(users.username, "admin"));
  caller = { organisationId: row.organisationId, actor: { type: "User", id: row.id }, clientAddress: null };
  seedStarted = Date.now();
  first = await seedDemo(server.deps, caller);
  seedEnded = Date.now();
  afterFirst = await rowCounts();
  second = await seedDemo(server.deps, caller);
  afterSecond = await rowCounts();
}, 120_000);
afterAll(() => server?.close());

describe("the demo seed", () => {
  it("is idempotent: the second run changes no table (audit events and sessions aside)", () => {
    expect(Object.keys(afterFirst.counts).length).toBeGreaterThan(5);
    expect(afterSecond.counts).toEqual(afterFirst.counts);
    expect(afterFirst.counts.cases).toBe(CASE_COUNT);
    // Not a row touched either: every table's contents are the same.
    expect(afterSecond.digests).toEqual(afterFirst.digests);
    expect(second.logins).toEqual(first.logins);
    expect(second.states).toEqual(first.states);
    expect(second.password).toBe(first.password);
  });

  it("loads the organisation the issue describes", async () => {
    const { portalProfiles } = await admin.PortalProfiles();
    const basic = portalProfiles.find((p) => p.name === "cmtrack_basiccustomers")!;
    expect(basic.roles.map((r) => r.name)).toContain("TrackAll");
    const roles = (await admin.execute<{ roles: Array<{ name: string; accessOwnCompanyCases: boolean; queuePermissions: Array<{ queue: { name: string }; read: boolean; write: boolean; append: boolean }>; customerGroups: Array<{ name: string }> }> }>(
      "{ roles { name accessOwnCompanyCases queuePermissions { queue { name } read write append } customerGroups { name } } }",
    )).data!.roles;
    const trackAll = roles.find((r) => r.name === "TrackAll")!;
    expect(trackAll.queuePermissions.map((p) => [p.queue.name, p.read, p.write, p.append]).sort()).toEqual([
      ["Helpdesk_2nd_Level", true, true, true],
      ["ServiceDesk", true, true, true],
    ]);
    expect(trackAll.customerGroups).toHaveLength(3);
    expect(roles.filter((r) => r.accessOwnCompanyCases).length).toBeGreaterThanOrEqual(1);
    // A second profile for a Sales queue.
    const salesProfiles = portalProfiles.filter(
      (p) => p.name !== basic.name && p.roles.some((r) => roles.find((x) => x.name === r.name)!.queuePermissions.some((q) => q.queue.name === "Sales" && q.read)),
    );
    expect(salesProfiles.length).toBeGreaterThanOrEqual(1);
    // Companies with several contacts each, every contact with a login.
    const perCompany = new Map<string, number>();
    for (const l of first.logins) perCompany.set(l.company, (perCompany.get(l.company) ?? 0) + 1);
    expect(perCompany.size).toBeGreaterThanOrEqual(2);
    for (const n of perCompany.values()) expect(n).toBeGreaterThanOrEqual(2);
    expect(CASE_COUNT).toBeGreaterThanOrEqual(200);
    expect((await admin.Cases({ first: 1 })).cases.totalCount).toBe(CASE_COUNT);
  });

  it("a printed login signs in with the demo password through HTTP and sees its cases", async () => {
    const login = first.logins.find((l) => l.profile === "cmtrack_basiccustomers")!;
    const client = await server.signIn("PORTAL", login.login, first.password);
    const mine = await allMyCases(client);
    expect(mine.length).toBeGreaterThan(0);
    const { me } = await client.Me();
    for (const c of mine) {
      expect(["Helpdesk_2nd_Level", "ServiceDesk"]).toContain(c.queue.name);
      expect(c.contact.id).toBe(me.id);
    }
  });

  it("every printed login signs in, and only the company view sees colleagues' cases", async () => {
    const seen = await Promise.all(
      first.logins.map(async (l) => {
        const client = await server.signIn("PORTAL", l.login, first.password);
        const { me } = await client.Me();
        const cases = await allMyCases(client);
        expect(cases.length).toBeGreaterThan(0);
        expect(await caseReadable(client, cases[0].id)).toBe(true);
        return { profile: l.profile, colleagues: cases.some((c) => c.contact.id !== me.id) };
      }),
    );
    expect(seen.filter((s) => s.colleagues).length).toBeGreaterThan(0);
    for (const s of seen) if (s.colleagues) expect(s.profile).toBe("cmtrack_companyview");
  });

  it("prints one portal account in each credential state, and explainSignIn gives each its outcome", async () => {
    const states: DemoAccountState[] = ["locked", "expiring", "mustChange", "neverExpires", "pendingVerification", "noPassword"];
    expect(first.states.map((s) => s.state)).toEqual(states);
    // None of them is among the plain logins, which all sign in.
    for (const s of first.states) expect(first.logins.map((l) => l.login)).not.toContain(s.login);
    const { authenticationPolicy } = await admin.AuthenticationPolicy();
    expect(authenticationPolicy.password).toMatchObject({ maxAgeDays: 90, expiryWarningDays: 14 });

    const explain = async (state: DemoAccountState) => {
      const login = first.states.find((s) => s.state === state)!.login;
      const e = (await admin.ExplainSignIn({ audience: "PORTAL", login })).explainSignIn;
      const step = (name: string) => e.steps.find((s) => s.step === name)!;
      return { e, step, failing: e.steps.filter((s) => !s.passed).map((s) => s.step), login };
    };

    const locked = await explain("locked");
    expect([locked.e.allowed, locked.e.outcome, locked.failing]).toEqual([false, "ACCOUNT_LOCKED", ["lock"]]);
    expect(locked.step("lock").detail).toBe("Staff locked the account; it stays locked until staff unlock it.");

    const expiring = await explain("expiring");
    expect([expiring.e.allowed, expiring.e.outcome, expiring.e.requiredActions, expiring.failing]).toEqual([true, null, [], []]);
    const printed = expiring.step("passwordExpiry").detail.match(/^The password expires at (\S+)\.$/)![1];
    expect(first.states.find((s) => s.state === "expiring")!.what).toContain(printed);
    const at = Date.parse(printed);
    expect(at).toBeGreaterThanOrEqual(seedStarted + EXPIRING_IN_DAYS * 86_400_000);
    expect(at).toBeLessThanOrEqual(seedEnded + EXPIRING_IN_DAYS * 86_400_000);
    const { login: signedIn } = await server.anonymous.Login({ input: { audience: "PORTAL", login: expiring.login, password: first.password } });
    expect([signedIn.requiredActions, signedIn.passwordExpiresInDays, signedIn.warnings]).toEqual([[], 3, ["Your password expires in 3 days."]]);

    const mustChange = await explain("mustChange");
    expect([mustChange.e.allowed, mustChange.e.outcome, mustChange.e.requiredActions, mustChange.failing]).toEqual([true, null, ["CHANGE_PASSWORD"], ["mustChange"]]);

    const neverExpires = await explain("neverExpires");
    expect([neverExpires.e.allowed, neverExpires.e.outcome, neverExpires.e.requiredActions, neverExpires.failing]).toEqual([true, null, [], []]);
    expect(neverExpires.step("passwordExpiry")).toMatchObject({ passed: true, detail: "The password never expires (account setting)." });

    const pending = await explain("pendingVerification");
    expect([pending.e.allowed, pending.e.outcome, pending.failing]).toEqual([false, "ACCOUNT_DISABLED", ["verification"]]);

    const noPassword = await explain("noPassword");
    expect([noPassword.e.allowed, noPassword.e.outcome, noPassword.failing]).toEqual([false, "INVALID_CREDENTIALS", ["directoryMode"]]);
    expect(noPassword.step("directoryMode").detail).toBe("The account has no password set, so it cannot sign in with one.");
  });
});
