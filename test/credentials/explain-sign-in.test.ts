import { eq, sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { customerGroups, loginThrottles, portalAccounts, users } from "../../src/db/schema/index.js";
import { customerGroup, company, portalUser, unique } from "../helpers/factories.js";
import { securityMatrix, type Matrix } from "../helpers/principals.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { outcome, testClock } from "./support.js";

const DAY = 86_400_000;
const MINUTE = 60_000;
const time = testClock();
let server: TestServer;
let matrix: Matrix;
let adminUserId: string;

beforeAll(async () => {
  server = await startTestServer({ clock: time.clock });
  const admin = await server.admin();
  adminUserId = (await admin.Me()).me.id;
  matrix = await securityMatrix(server, admin);
  await admin.UpdateAuthenticationPolicy({ input: { password: { maxAgeDays: 30 }, lockout: { maxFailures: 3, windowMinutes: 10, lockoutMinutes: 20 } } });
});
afterAll(() => server?.close());

/** A fresh admin whose own password is new at the current clock (the clock jumps around here). */
async function admin() {
  await server.db.update(users).set({ passwordChangedAt: time.now() }).where(eq(users.id, adminUserId));
  return server.admin();
}

const explain = async (client: GatehouseClient, login: string, audience: "PORTAL" | "STAFF" = "PORTAL") =>
  (await client.ExplainSignIn({ audience, login })).explainSignIn;
const step = (e: { steps: Array<{ step: string; passed: boolean; detail: string }> }, name: string) => e.steps.find((s) => s.step === name)!;
const setAccount = (contactId: string, values: Partial<typeof portalAccounts.$inferInsert>) =>
  server.db.update(portalAccounts).set(values).where(eq(portalAccounts.contactId, contactId));

describe("explainSignIn for each state", () => {
  it("walks the whole chain, in order, for an account that may sign in", async () => {
    const a = await admin();
    const who = await portalUser(a);
    const e = await explain(a, who.login);
    expect(e).toMatchObject({ allowed: true, outcome: null, requiredActions: [] });
    expect(e.steps.map((s) => s.step)).toEqual([
      "account", "enabled", "verification", "customerGroup", "profile", "lock", "failures", "passwordExpiry", "mustChange", "directoryMode",
    ]);
    expect(e.steps.every((s) => s.passed)).toBe(true);
    expect(JSON.stringify(e)).not.toMatch(/argon2|\$/);
  });

  it("names the step at fault for each refusing state, with login's code", async () => {
    const a = await admin();
    const unknown = await explain(a, `nobody-${unique()}`);
    expect([unknown.allowed, unknown.outcome, step(unknown, "account").passed]).toEqual([false, "INVALID_CREDENTIALS", false]);

    const cases: Array<[Partial<typeof portalAccounts.$inferInsert>, string, string]> = [
      [{ enabled: false }, "enabled", "ACCOUNT_DISABLED"],
      [{ profileId: null }, "profile", "ACCOUNT_DISABLED"],
      [{ pendingVerification: true }, "verification", "ACCOUNT_DISABLED"],
      [{ locked: true }, "lock", "ACCOUNT_LOCKED"],
      [{ lockedUntil: new Date(time.now().getTime() + 5 * MINUTE) }, "lock", "ACCOUNT_LOCKED"],
      [{ authMode: "LDAP" }, "directoryMode", "INVALID_CREDENTIALS"],
    ];
    for (const [state, failing, code] of cases) {
      const who = await portalUser(a);
      await setAccount(who.contact.id, state);
      const e = await explain(a, who.login);
      expect([e.allowed, e.outcome], JSON.stringify(state)).toEqual([false, code]);
      expect(e.steps.filter((s) => !s.passed).map((s) => s.step), JSON.stringify(state)).toEqual([failing]);
      expect(await outcome(server.anonymous.Login({ input: { audience: "PORTAL", login: who.login, password: who.password } }))).toBe(code);
    }

    const group = await customerGroup(a);
    const who = await portalUser(a, { companyId: (await company(a, { customerGroupId: group.id })).id });
    await server.db.update(customerGroups).set({ portalEnabled: false }).where(eq(customerGroups.id, group.id));
    const off = await explain(a, who.login);
    expect([off.outcome, step(off, "customerGroup").passed]).toEqual(["ACCOUNT_DISABLED", false]);
  });

  it("reports failures in the window and the lock they cause, with its end", async () => {
    const a = await admin();
    const who = await portalUser(a);
    for (let i = 0; i < 2; i++) await outcome(server.anonymous.Login({ input: { audience: "PORTAL", login: who.login, password: "wrong-password-1234" } }));
    let e = await explain(a, who.login);
    expect(step(e, "failures")).toMatchObject({ passed: true, detail: "2 of 3 allowed failed sign-ins in the current 10-minute window." });
    await outcome(server.anonymous.Login({ input: { audience: "PORTAL", login: who.login, password: "wrong-password-1234" } }));
    e = await explain(a, who.login);
    expect([e.outcome, step(e, "lock").passed, step(e, "failures").passed]).toEqual(["ACCOUNT_LOCKED", false, false]);
    expect(step(e, "lock").detail).toContain(new Date(time.now().getTime() + 20 * MINUTE).toISOString());
  });

  it("allows with CHANGE_PASSWORD for an expired password, must-change, and a reached reset date", async () => {
    const a = await admin();
    const states: Array<[Partial<typeof portalAccounts.$inferInsert>, string]> = [
      [{ passwordChangedAt: new Date(time.now().getTime() - 31 * DAY) }, "passwordExpiry"],
      [{ mustChangePassword: true }, "mustChange"],
      [{ passwordResetDate: new Date(time.now().getTime() - MINUTE) }, "mustChange"],
    ];
    for (const [state, failing] of states) {
      const who = await portalUser(a);
      await setAccount(who.contact.id, state);
      const e = await explain(a, who.login);
      expect([e.allowed, e.outcome, e.requiredActions]).toEqual([true, null, ["CHANGE_PASSWORD"]]);
      expect(step(e, failing).passed).toBe(false);
    }
  });

  it("explains staff users too", async () => {
    const a = await admin();
    const e = await explain(a, "ADMIN", "STAFF");
    expect([e.allowed, step(e, "account").detail]).toEqual([true, "A staff user with this login exists."]);
    expect(step(e, "verification")).toEqual({ step: "verification", passed: true, detail: "Staff users are not self-registered." });
  });
});

describe("explainSignIn security matrix", () => {
  it("anonymous UNAUTHENTICATED, portal and plain staff FORBIDDEN; another organisation cannot look into this one", async () => {
    const a = await admin();
    const who = await portalUser(a);
    expect(await outcome(matrix.anonymous.ExplainSignIn({ audience: "PORTAL", login: who.login }))).toBe("UNAUTHENTICATED");
    expect(await outcome(matrix.portal.ExplainSignIn({ audience: "PORTAL", login: who.login }))).toBe("FORBIDDEN");
    expect(await outcome(matrix.staff.ExplainSignIn({ audience: "PORTAL", login: who.login }))).toBe("FORBIDDEN");
    expect(await outcome(matrix.otherOrganisation.ExplainSignIn({ audience: "PORTAL", login: who.login, organisation: "default" }))).toBe("FORBIDDEN");
    expect(await outcome(matrix.otherOrganisation.ExplainSignIn({ audience: "PORTAL", login: who.login, organisation: "no-such-org" }))).toBe("FORBIDDEN");
    const own = (await matrix.otherOrganisation.ExplainSignIn({ audience: "PORTAL", login: who.login })).explainSignIn;
    expect([own.outcome, step(own, "account").passed]).toEqual(["INVALID_CREDENTIALS", false]);
  });
});

describe("explainSignIn agrees with login", () => {
  it("over random account states and clocks, its verdict is login's (with the right password)", async () => {
    const a = await admin();
    const who = await portalUser(a);
    const offset = fc.integer({ min: -40 * DAY, max: 40 * DAY });
    const minutes = fc.integer({ min: -60, max: 60 }).map((m) => m * MINUTE);
    const state = fc.record({
      clockShift: fc.integer({ min: 0, max: 90 }).map((d) => d * DAY),
      enabled: fc.boolean(),
      portalEnabled: fc.boolean(),
      hasProfile: fc.boolean(),
      pendingVerification: fc.boolean(),
      locked: fc.boolean(),
      lockedUntil: fc.option(minutes),
      mustChangePassword: fc.boolean(),
      passwordResetDate: fc.option(offset),
      passwordNeverExpires: fc.boolean(),
      passwordChangedAt: offset,
      ldap: fc.boolean(),
      throttle: fc.option(
        fc.record({ failures: fc.integer({ min: 0, max: 6 }), windowStartedAt: minutes, lockedUntil: fc.option(minutes), lockedIndefinitely: fc.boolean() }),
      ),
    });
    const base = time.now().getTime();
    await fc.assert(
      fc.asyncProperty(state, async (s) => {
        time.set(new Date(base + s.clockShift));
        const now = time.now().getTime();
        const staff = await admin();
        await setAccount(who.contact.id, {
          enabled: s.enabled,
          profileId: s.hasProfile ? who.profileId : null,
          pendingVerification: s.pendingVerification,
          locked: s.locked,
          lockedUntil: s.lockedUntil === null ? null : new Date(now + s.lockedUntil),
          mustChangePassword: s.mustChangePassword,
          passwordResetDate: s.passwordResetDate === null ? null : new Date(now + s.passwordResetDate),
          passwordNeverExpires: s.passwordNeverExpires,
          passwordChangedAt: new Date(now + s.passwordChangedAt),
          authMode: s.ldap ? "LDAP" : "DATABASE",
        });
        await server.db.execute(
          sql`update customer_groups set portal_enabled = ${s.portalEnabled} where id = (select customer_group_id from contacts where id = ${who.contact.id})`,
        );
        await server.db.delete(loginThrottles).where(eq(loginThrottles.loginKey, who.login.toLowerCase()));
        if (s.throttle) {
          await server.db.insert(loginThrottles).values({
            organisationId: (await server.db.select().from(portalAccounts).where(eq(portalAccounts.contactId, who.contact.id)))[0].organisationId,
            audience: "PORTAL",
            loginKey: who.login.toLowerCase(),
            failures: s.throttle.failures,
            windowStartedAt: new Date(now + s.throttle.windowStartedAt),
            lockedUntil: s.throttle.lockedUntil === null ? null : new Date(now + s.throttle.lockedUntil),
            lockedIndefinitely: s.throttle.lockedIndefinitely,
          });
        }
        const e = (await staff.ExplainSignIn({ audience: "PORTAL", login: who.login })).explainSignIn;
        const login = await server.anonymous.Login({ input: { audience: "PORTAL", login: who.login, password: who.password } }).then(
          (r: { login: { requiredActions: string[] } }) => ({ code: null as string | null, requiredActions: r.login.requiredActions as string[] }),
          (error: { code?: string }) => ({ code: String(error.code) as string | null, requiredActions: [] as string[] }),
        );
        expect(e.outcome).toBe(login.code);
        expect(e.allowed).toBe(login.code === null);
        expect(e.requiredActions).toEqual(login.requiredActions);
      }),
      {
        numRuns: 40,
        // Found by this property: failures at maxFailures without a lock (the policy lowered maxFailures).
        examples: [
          [
            {
              clockShift: 0, enabled: false, portalEnabled: false, hasProfile: false, pendingVerification: false, locked: false, lockedUntil: null,
              mustChangePassword: false, passwordResetDate: null, passwordNeverExpires: false, passwordChangedAt: 0, ldap: true,
              throttle: { failures: 3, windowStartedAt: 0, lockedUntil: null, lockedIndefinitely: false },
            },
          ],
          // Self-registered and not verified, all else in order: refused, and the explanation says so.
          [
            {
              clockShift: 0, enabled: true, portalEnabled: true, hasProfile: true, pendingVerification: true, locked: false, lockedUntil: null,
              mustChangePassword: false, passwordResetDate: null, passwordNeverExpires: false, passwordChangedAt: 0, ldap: false, throttle: null,
            },
          ],
        ],
      },
    );
  });
});
