import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { portalAccounts } from "../../src/db/schema/index.js";
import { newPassword, portalUser, unique } from "../helpers/factories.js";
import { staffUser, signInStaff } from "../helpers/principals.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { failure, outcome, testClock } from "./support.js";

const DAY = 86_400_000;
const time = testClock();
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ clock: time.clock });
});
afterAll(() => server?.close());

/** A fresh admin session (the clock moves, so sessions age). */
const admin = () => server.admin();
const attempt = (login: string, password: string) => server.anonymous.Login({ input: { audience: "PORTAL", login, password } });
const codeOf = (login: string, password: string) => outcome(attempt(login, password));
const accountOf = async (contactId: string) => (await (await admin()).Contact({ id: contactId })).contact!.portalAccount!;

describe("lockout", () => {
  it("the last allowed failure is INVALID_CREDENTIALS, then every attempt is ACCOUNT_LOCKED until lockoutMinutes pass", async () => {
    const who = await portalUser(await admin());
    for (let i = 1; i <= 5; i++) expect(await codeOf(who.login, "wrong-password-123456"), `failure ${i}`).toBe("INVALID_CREDENTIALS");
    const locked = await failure(attempt(who.login.toUpperCase(), who.password));
    expect(locked.code).toBe("ACCOUNT_LOCKED");
    expect(locked.errors[0].extensions?.lockedUntil).toBe(new Date(time.now().getTime() + 15 * 60_000).toISOString());
    const account = await accountOf(who.contact.id);
    expect(account.locked).toBe(true);
    expect(account.lockedUntil).toBe(locked.errors[0].extensions?.lockedUntil);
    time.advanceMinutes(14);
    expect(await codeOf(who.login, who.password)).toBe("ACCOUNT_LOCKED");
    time.advanceMinutes(1);
    expect(await codeOf(who.login, who.password)).toBe("OK");
    expect((await accountOf(who.contact.id)).locked).toBe(false);
  });

  it("answers a known and an unknown login alike, code and message, through the lock", async () => {
    const who = await portalUser(await admin());
    const unknown = `nobody-${unique()}`;
    for (let i = 1; i <= 7; i++) {
      const [a, b] = [await failure(attempt(who.login, "wrong-password-123456")), await failure(attempt(unknown, "wrong-password-123456"))];
      expect([a.code, a.message]).toEqual([b.code, b.message]);
      expect(a.code).toBe(i <= 5 ? "INVALID_CREDENTIALS" : "ACCOUNT_LOCKED");
      expect(a.errors[0].extensions?.lockedUntil).toEqual(b.errors[0].extensions?.lockedUntil);
    }
    time.advanceMinutes(16);
  });

  it("counts failures within windowMinutes only, and a success resets the count", async () => {
    const who = await portalUser(await admin());
    for (let i = 0; i < 4; i++) await codeOf(who.login, "wrong-password-123456");
    time.advanceMinutes(16);
    for (let i = 0; i < 4; i++) expect(await codeOf(who.login, "wrong-password-123456")).toBe("INVALID_CREDENTIALS");
    expect(await codeOf(who.login, who.password)).toBe("OK");
    for (let i = 0; i < 4; i++) expect(await codeOf(who.login, "wrong-password-123456")).toBe("INVALID_CREDENTIALS");
    expect(await codeOf(who.login, who.password)).toBe("OK");
  });

  it("lockoutMinutes 0 locks until staff unlock with SetPortalAccess locked:false", async () => {
    await (await admin()).UpdateAuthenticationPolicy({ input: { lockout: { lockoutMinutes: 0, maxFailures: 3 } } });
    try {
      const who = await portalUser(await admin());
      for (let i = 0; i < 3; i++) expect(await codeOf(who.login, "wrong-password-123456")).toBe("INVALID_CREDENTIALS");
      const e = await failure(attempt(who.login, who.password));
      expect(e.code).toBe("ACCOUNT_LOCKED");
      expect(e.errors[0].extensions?.lockedUntil).toBeUndefined();
      time.advanceMinutes(600);
      expect(await codeOf(who.login, who.password)).toBe("ACCOUNT_LOCKED");
      expect((await accountOf(who.contact.id)).locked).toBe(true);
      await (await admin()).SetPortalAccess({ input: { contactId: who.contact.id, locked: false } });
      expect(await codeOf(who.login, who.password)).toBe("OK");
    } finally {
      await (await admin()).UpdateAuthenticationPolicy({ input: { lockout: { lockoutMinutes: 15, maxFailures: 5 } } });
    }
  });

  it("lockoutMinutes 0 locks a staff login until a super user calls unlockSignIn; plain staff may not", async () => {
    await (await admin()).UpdateAuthenticationPolicy({ input: { lockout: { lockoutMinutes: 0, maxFailures: 2 } } });
    try {
      const person = await staffUser(server);
      const staffAttempt = (password: string) =>
        outcome(server.anonymous.Login({ input: { audience: "STAFF", login: person.username, password } }));
      for (let i = 0; i < 2; i++) expect(await staffAttempt("wrong-password-123456")).toBe("INVALID_CREDENTIALS");
      expect(await staffAttempt(person.password)).toBe("ACCOUNT_LOCKED");
      time.advanceMinutes(24 * 60);
      expect(await staffAttempt(person.password)).toBe("ACCOUNT_LOCKED");

      const plain = await signInStaff(server, await staffUser(server));
      expect(await outcome(plain.UnlockSignIn({ audience: "STAFF", login: person.username }))).toBe("FORBIDDEN");
      expect(await outcome(server.anonymous.UnlockSignIn({ audience: "STAFF", login: person.username }))).toBe("UNAUTHENTICATED");
      expect(await staffAttempt(person.password)).toBe("ACCOUNT_LOCKED");

      const adm = await admin();
      expect((await adm.UnlockSignIn({ audience: "STAFF", login: person.username.toUpperCase() })).unlockSignIn).toBe(true);
      expect(await staffAttempt(person.password)).toBe("OK");
      const { auditEvents } = await adm.AuditEvents({ filter: { action: "unlockSignIn", entityId: person.user.id } });
      expect(auditEvents.edges.map((e) => e.node)).toEqual([
        expect.objectContaining({ entityType: "User", changes: { audience: "STAFF", login: person.username.toUpperCase() } }),
      ]);
    } finally {
      await (await admin()).UpdateAuthenticationPolicy({ input: { lockout: { lockoutMinutes: 15, maxFailures: 5 } } });
    }
  });

  it("parallel wrong attempts: exactly maxFailures are INVALID_CREDENTIALS, the rest ACCOUNT_LOCKED", async () => {
    const who = await portalUser(await admin());
    const results = await Promise.all(Array.from({ length: 12 }, () => codeOf(who.login, "wrong-password-123456")));
    expect(results.filter((c) => c === "INVALID_CREDENTIALS")).toHaveLength(5);
    expect(results.filter((c) => c === "ACCOUNT_LOCKED")).toHaveLength(7);
    time.advanceMinutes(16);
  });

  it("a lock set by staff is ACCOUNT_LOCKED without lockedUntil, after the right password only", async () => {
    const who = await portalUser(await admin());
    await (await admin()).SetPortalAccess({ input: { contactId: who.contact.id, locked: true } });
    expect(await codeOf(who.login, "wrong-password-123456")).toBe("INVALID_CREDENTIALS");
    const e = await failure(attempt(who.login, who.password));
    expect(e.code).toBe("ACCOUNT_LOCKED");
    expect(e.errors[0].extensions?.lockedUntil).toBeUndefined();
  });
});

describe("must change, reset date and expiry", () => {
  async function restricted(client: GatehouseClient) {
    expect(await outcome(client.MyCases({}))).toBe("FORBIDDEN");
    expect(await outcome(client.MyPermissions())).toBe("FORBIDDEN");
    expect(await outcome(client.Me())).toBe("OK");
  }

  it("mustChangePassword: CHANGE_PASSWORD, only changePassword/logout/me until the change, which lifts it", async () => {
    const who = await portalUser(await admin());
    await (await admin()).SetPortalAccess({ input: { contactId: who.contact.id, mustChangePassword: true } });
    const { login } = await attempt(who.login, who.password);
    expect(login.requiredActions).toEqual(["CHANGE_PASSWORD"]);
    const client = server.anonymous.withToken(login.token);
    await restricted(client);
    const next = newPassword();
    expect((await client.ChangePassword({ input: { currentPassword: who.password, newPassword: next } })).changePassword).toBe(true);
    expect(await outcome(client.MyPermissions())).toBe("OK");
    const again = await attempt(who.login, next);
    expect(again.login.requiredActions).toEqual([]);
  });

  it("passwordResetDate: none before it, CHANGE_PASSWORD once reached", async () => {
    const who = await portalUser(await admin());
    await (await admin()).SetPortalAccess({
      input: { contactId: who.contact.id, passwordResetDate: new Date(time.now().getTime() + 60_000).toISOString() },
    });
    expect((await attempt(who.login, who.password)).login.requiredActions).toEqual([]);
    time.advanceMinutes(1);
    const { login } = await attempt(who.login, who.password);
    expect(login.requiredActions).toEqual(["CHANGE_PASSWORD"]);
    await restricted(server.anonymous.withToken(login.token));
  });

  it("expiry: warning window, the day before, and after expiry (renewed with the old password); passwordNeverExpires exempts", async () => {
    // One admin session for the whole test: the admin's own password expires under this policy too.
    const adm = await admin();
    await adm.UpdateAuthenticationPolicy({ input: { password: { maxAgeDays: 30, expiryWarningDays: 7 } } });
    try {
      const who = await portalUser(adm);
      const setChanged = (daysAgo: number) =>
        server.db
          .update(portalAccounts)
          .set({ passwordChangedAt: new Date(time.now().getTime() - daysAgo * DAY) })
          .where(eq(portalAccounts.contactId, who.contact.id));
      await setChanged(22);
      let r = (await attempt(who.login, who.password)).login;
      expect([r.passwordExpiresInDays, r.requiredActions, r.warnings]).toEqual([null, [], []]);
      await setChanged(23);
      r = (await attempt(who.login, who.password)).login;
      expect([r.passwordExpiresInDays, r.requiredActions]).toEqual([7, []]);
      expect(r.warnings).toEqual(["Your password expires in 7 days."]);
      await setChanged(29);
      r = (await attempt(who.login, who.password)).login;
      expect([r.passwordExpiresInDays, r.requiredActions]).toEqual([1, []]);
      const account = (await adm.Contact({ id: who.contact.id })).contact!.portalAccount!;
      expect(account.passwordExpiresAt).toBe(new Date(time.now().getTime() + DAY).toISOString());
      await setChanged(31);
      r = (await attempt(who.login, who.password)).login;
      expect([r.passwordExpiresInDays, r.requiredActions]).toEqual([null, ["CHANGE_PASSWORD"]]);
      const client = server.anonymous.withToken(r.token);
      expect(await outcome(client.MyCases({}))).toBe("FORBIDDEN");
      const next = newPassword();
      await client.ChangePassword({ input: { currentPassword: who.password, newPassword: next } });
      expect((await attempt(who.login, next)).login.requiredActions).toEqual([]);

      await adm.SetPortalAccess({ input: { contactId: who.contact.id, passwordNeverExpires: true } });
      await setChanged(400);
      r = (await attempt(who.login, next)).login;
      expect([r.passwordExpiresInDays, r.requiredActions]).toEqual([null, []]);
      expect(((await adm.Contact({ id: who.contact.id })).contact!.portalAccount!).passwordExpiresAt).toBeNull();
    } finally {
      await adm.UpdateAuthenticationPolicy({ input: { password: { maxAgeDays: null } } });
    }
  });
});

describe("ChangePassword", () => {
  it("needs the current password, ends the other sessions, keeps this one", async () => {
    const who = await portalUser(await admin());
    const other = await server.signIn("PORTAL", who.login, who.password);
    const client = await server.signIn("PORTAL", who.login, who.password);
    const wrong = await failure(client.ChangePassword({ input: { currentPassword: "not-the-password-1", newPassword: newPassword() } }));
    expect(wrong.code).toBe("INVALID_CREDENTIALS");
    const weak = await failure(client.ChangePassword({ input: { currentPassword: who.password, newPassword: "short" } }));
    expect(weak.code).toBe("PASSWORD_POLICY");
    const next = newPassword();
    await client.ChangePassword({ input: { currentPassword: who.password, newPassword: next } });
    expect(await outcome(client.Me())).toBe("OK");
    expect(await outcome(other.Me())).toBe("UNAUTHENTICATED");
    expect(await codeOf(who.login, who.password)).toBe("INVALID_CREDENTIALS");
    expect(await codeOf(who.login, next)).toBe("OK");
  });

  it("is FORBIDDEN with cannotChangePassword, NOT_SUPPORTED_FOR_DIRECTORY for directory accounts", async () => {
    const who = await portalUser(await admin());
    const client = await server.signIn("PORTAL", who.login, who.password);
    await (await admin()).SetPortalAccess({ input: { contactId: who.contact.id, cannotChangePassword: true } });
    expect(await outcome(client.ChangePassword({ input: { currentPassword: who.password, newPassword: newPassword() } }))).toBe("FORBIDDEN");
    await server.db.update(portalAccounts).set({ authMode: "LDAP" }).where(eq(portalAccounts.contactId, who.contact.id));
    expect(await outcome(client.ChangePassword({ input: { currentPassword: who.password, newPassword: newPassword() } }))).toBe(
      "NOT_SUPPORTED_FOR_DIRECTORY",
    );
  });

  it("works for staff users too, and anonymous callers are UNAUTHENTICATED", async () => {
    const person = await staffUser(server);
    const client = await signInStaff(server, person);
    const next = newPassword();
    await client.ChangePassword({ input: { currentPassword: person.password, newPassword: next } });
    await signInStaff(server, { ...person, password: next });
    expect(await outcome(server.anonymous.ChangePassword({ input: { currentPassword: "x", newPassword: next } }))).toBe("UNAUTHENTICATED");
  });
});

describe("ChangeUserPassword", () => {
  it("a user changing its own always gives the current one", async () => {
    const person = await staffUser(server, { superUser: true });
    const client = await signInStaff(server, person);
    const missing = await failure(client.ChangeUserPassword({ input: { userId: person.user.id, newPassword: newPassword() } }));
    expect([missing.code, missing.field]).toEqual(["BAD_USER_INPUT", "currentPassword"]);
    expect(await outcome(client.ChangeUserPassword({ input: { userId: person.user.id, currentPassword: "wrong-password-1", newPassword: newPassword() } }))).toBe(
      "INVALID_CREDENTIALS",
    );
    await client.ChangeUserPassword({ input: { userId: person.user.id, currentPassword: person.password, newPassword: newPassword() } });
    expect(await outcome(client.Me())).toBe("OK");
  });

  it("a super user sets another's without it and ends that user's sessions; plain staff need the current one", async () => {
    const target = await staffUser(server);
    const session = await signInStaff(server, target);
    const next = newPassword();
    await (await admin()).ChangeUserPassword({ input: { userId: target.user.id, newPassword: next } });
    expect(await outcome(session.Me())).toBe("UNAUTHENTICATED");
    const plain = await signInStaff(server, await staffUser(server));
    const e = await failure(plain.ChangeUserPassword({ input: { userId: target.user.id, newPassword: newPassword() } }));
    expect([e.code, e.field]).toEqual(["BAD_USER_INPUT", "currentPassword"]);
    expect(await outcome(plain.ChangeUserPassword({ input: { userId: "not-an-id", newPassword: newPassword() } }))).toBe("NOT_FOUND");
    const portal = await portalUser(await admin());
    const portalClient = await server.signIn("PORTAL", portal.login, portal.password);
    expect(await outcome(portalClient.ChangeUserPassword({ input: { userId: target.user.id, newPassword: newPassword() } }))).toBe("FORBIDDEN");
    await signInStaff(server, { ...target, password: next });
    // Audited without the secret.
    const { auditEvents } = await (await admin()).AuditEvents({ filter: { action: "changeUserPassword", entityId: target.user.id } });
    expect(auditEvents.edges[0].node.changes).toEqual({ passwordChanged: true });
    expect(JSON.stringify(await server.db.execute(sql`select changes from audit_events`))).not.toContain(next);
  });
});
