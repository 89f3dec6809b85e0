/**
 * The sign-in's one write, at the service level: a name that failures lock between the read
 * and the write (another request, another process) cannot be raced from HTTP deterministically.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenHash } from "../../src/auth/tokens.js";
import { auditEvents, loginThrottles, portalAccounts, sessions } from "../../src/db/schema/index.js";
import { writeSignIn } from "../../src/modules/auth/sign-in.queries.js";
import { portalUser, unique } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { GATEHOUSE_MAIL_POLL_MS: "0" } });
});
afterAll(() => server?.close());

async function account() {
  const user = await portalUser(await server.admin());
  const [row] = await server.db.select().from(portalAccounts).where(eq(portalAccounts.contactId, user.contact.id));
  return row;
}

const write = (a: { organisationId: string; contactId: string; login: string }, now: Date, token = unique()) =>
  writeSignIn(server.db, {
    key: { organisationId: a.organisationId, audience: "PORTAL", login: a.login.toUpperCase() },
    now,
    session: { tokenHash: tokenHash(token), expiresAt: new Date(now.getTime() + 3_600_000), requiredActions: ["CHANGE_PASSWORD"] },
    subject: { kind: "Contact", id: a.contactId },
    clientAddress: "192.0.2.7",
    changes: { audience: "PORTAL" },
    syncCommit: false,
  });

describe("writeSignIn", () => {
  it("opens the session, forgets the name's failures, stamps the account and audits, all at once", async () => {
    const a = await account();
    const now = new Date();
    const key = { organisationId: a.organisationId, audience: "PORTAL" as const, loginKey: a.login.toLowerCase() };
    await server.db.insert(loginThrottles).values({ ...key, failures: 2, windowStartedAt: now });
    const token = unique();
    const result = await write(a, now, token);
    expect(result.sessionId).toEqual(expect.any(String));
    const [session] = await server.db.select().from(sessions).where(eq(sessions.tokenHash, tokenHash(token)));
    expect(session).toMatchObject({ id: result.sessionId, contactId: a.contactId, requiredActions: ["CHANGE_PASSWORD"], clientAddress: "192.0.2.7" });
    const throttles = await server.db.select().from(loginThrottles).where(and(eq(loginThrottles.organisationId, a.organisationId), eq(loginThrottles.loginKey, key.loginKey)));
    expect(throttles).toHaveLength(0);
    const [after] = await server.db.select().from(portalAccounts).where(eq(portalAccounts.contactId, a.contactId));
    expect(after.lastLoginAt?.getTime()).toBe(now.getTime());
    const events = await server.db.select().from(auditEvents).where(and(eq(auditEvents.action, "login"), eq(auditEvents.entityId, a.contactId)));
    expect(events.map((e) => e.changes)).toContainEqual({ audience: "PORTAL" });
  });

  it("writes nothing and answers the lock when failures locked the name after the read", async () => {
    const a = await account();
    const now = new Date();
    const until = new Date(now.getTime() + 15 * 60_000);
    await server.db
      .insert(loginThrottles)
      .values({ organisationId: a.organisationId, audience: "PORTAL", loginKey: a.login.toLowerCase(), failures: 5, windowStartedAt: now, lockedUntil: until });
    const token = unique();
    const result = await write(a, now, token);
    expect(result).toEqual({ sessionId: null, lockedUntil: until });
    expect(await server.db.select().from(sessions).where(eq(sessions.tokenHash, tokenHash(token)))).toHaveLength(0);
    const [throttle] = await server.db.select().from(loginThrottles).where(eq(loginThrottles.loginKey, a.login.toLowerCase()));
    expect(throttle.failures).toBe(5);
    const [after] = await server.db.select().from(portalAccounts).where(eq(portalAccounts.contactId, a.contactId));
    expect(after.lastLoginAt).toBeNull();
    expect(await server.db.select().from(auditEvents).where(and(eq(auditEvents.action, "login"), eq(auditEvents.entityId, a.contactId)))).toHaveLength(0);
  });

  it("answers a lock without end (lockoutMinutes 0) as null lockedUntil", async () => {
    const a = await account();
    const now = new Date();
    await server.db
      .insert(loginThrottles)
      .values({ organisationId: a.organisationId, audience: "PORTAL", loginKey: a.login.toLowerCase(), failures: 5, windowStartedAt: now, lockedIndefinitely: true });
    expect(await write(a, now)).toEqual({ sessionId: null, lockedUntil: null });
  });
});
