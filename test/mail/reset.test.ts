import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { auditEvents, emailTokens, outboundEmails } from "../../src/db/schema/index.js";
import { contact, newPassword, portalUser, unique } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { expectRefusal } from "../customers/support.js";
import { DAY, freePort, linkToken, MINUTE, movableClock, startSmtp } from "./support.js";

let smtp: Awaited<ReturnType<typeof startSmtp>>;
let server: TestServer;
let admin: GatehouseClient;
const time = movableClock();

beforeAll(async () => {
  smtp = await startSmtp();
  server = await startTestServer({
    clock: time.clock,
    env: { GATEHOUSE_SMTP_URL: smtp.url, GATEHOUSE_MAIL_POLL_MS: "0", GATEHOUSE_PORTAL_URL: "https://portal.example.test/" },
  });
  admin = await server.admin();
});
// The tests move the clock past the session timeouts: every test signs in afresh.
beforeEach(async () => {
  admin = await server.admin();
});
afterAll(async () => {
  await server?.close();
  await smtp?.close();
});

/** Asks for a reset, delivers it, and returns the token from the link in the email the SMTP server received. */
async function resetToken(login: string, to: string) {
  expect((await server.anonymous.RequestPasswordReset({ input: { login } })).requestPasswordReset).toBe(true);
  await server.deliverDue();
  const mail = smtp.received.filter((m) => m.to && JSON.stringify(m.to).includes(to)).at(-1);
  expect(mail, `an email to ${to}`).toBeDefined();
  return linkToken(mail!.text!, "https://portal.example.test/reset-password");
}

describe("password reset by email, over a real SMTP server", () => {
  it("emails a link whose token sets a new password; the old sessions end and the new password signs in", async () => {
    const user = await portalUser(admin);
    const session = await server.signIn("PORTAL", user.login, user.password);
    const token = await resetToken(user.login.toUpperCase(), user.contact.email!);
    const mail = smtp.received.at(-1)!;
    expect(mail.subject).toMatch(/Reset your password/);
    expect(mail.text).toContain(user.contact.firstName);
    // Only the hash is stored.
    const rows = await server.db.select().from(emailTokens).where(eq(emailTokens.contactId, user.contact.id));
    expect(rows.map((r) => r.tokenHash)).not.toContain(token);
    expect(rows.every((r) => r.purpose === "PASSWORD_RESET")).toBe(true);

    const password = newPassword();
    expect((await server.anonymous.ResetPassword({ input: { token, newPassword: password } })).resetPassword).toBe(true);
    await expectRefusal(session.Me(), "UNAUTHENTICATED");
    await expectRefusal(server.signIn("PORTAL", user.login, user.password), "INVALID_CREDENTIALS");
    const fresh = await server.signIn("PORTAL", user.login, password);
    expect((await fresh.Me()).me.__typename).toBe("Contact");

    // Used once: dead.
    await expectRefusal(server.anonymous.ResetPassword({ input: { token, newPassword: newPassword() } }), "BAD_USER_INPUT", "token");

    // Audited without the token or the password.
    const events = await server.db.select().from(auditEvents).where(eq(auditEvents.entityId, user.contact.id));
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(["requestPasswordReset", "resetPassword"]));
    const everything = JSON.stringify(events) + server.logs.join("\n");
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(password);
  });

  it("refuses an unknown token, an expired one and one issued before the password changed otherwise (BAD_USER_INPUT on token)", async () => {
    await expectRefusal(server.anonymous.ResetPassword({ input: { token: "no-such-token", newPassword: newPassword() } }), "BAD_USER_INPUT", "token");

    const user = await portalUser(admin);
    const expiring = await resetToken(user.login, user.contact.email!);
    time.advance(61 * MINUTE); // the default policy's resetTokenTtlMinutes is 60
    await expectRefusal(server.anonymous.ResetPassword({ input: { token: expiring, newPassword: newPassword() } }), "BAD_USER_INPUT", "token");

    admin = await server.admin();
    const superseded = await resetToken(user.login, user.contact.email!);
    time.advance(MINUTE);
    await admin.SetPortalAccess({ input: { contactId: user.contact.id, password: newPassword() } });
    await expectRefusal(server.anonymous.ResetPassword({ input: { token: superseded, newPassword: newPassword() } }), "BAD_USER_INPUT", "token");
  });

  it("applies the password policy to the new password (PASSWORD_POLICY), leaving the token usable", async () => {
    const user = await portalUser(admin);
    const token = await resetToken(user.login, user.contact.email!);
    const error = await expectRefusal(server.anonymous.ResetPassword({ input: { token, newPassword: "short" } }), "PASSWORD_POLICY");
    expect(error.errors[0].extensions?.violations).toEqual(expect.arrayContaining([expect.stringMatching(/at least/)]));
    await expect(server.anonymous.ResetPassword({ input: { token, newPassword: newPassword() } })).resolves.toEqual({ resetPassword: true });
  });

  it("answers a known and an unknown login alike, and queues nothing for an unknown login or a contact without email", async () => {
    const user = await portalUser(admin);
    const before = (await server.db.select().from(outboundEmails)).length;
    const started = performance.now();
    const known = await server.anonymous.RequestPasswordReset({ input: { login: user.login } });
    const knownMs = performance.now() - started;
    const started2 = performance.now();
    const unknown = await server.anonymous.RequestPasswordReset({ input: { login: `nobody-${unique()}` } });
    const unknownMs = performance.now() - started2;
    expect(unknown).toEqual(known);
    expect(Math.abs(knownMs - unknownMs)).toBeLessThan(150);
    expect((await server.db.select().from(outboundEmails)).length).toBe(before + 1);

    const { createContact: noMail } = await admin.CreateContact({ input: { firstName: "No", lastName: "Mail", customerGroupId: (await admin.Contact({ id: user.contact.id })).contact!.customerGroup.id } });
    const login = `nomail-${unique()}`;
    await admin.SetPortalAccess({ input: { contactId: noMail.id, login, password: newPassword() } });
    expect((await server.anonymous.RequestPasswordReset({ input: { login } })).requestPasswordReset).toBe(true);
    expect((await server.db.select().from(outboundEmails)).length).toBe(before + 1);
  });

  it("keeps an email while the SMTP server is down and delivers it exactly once when it is back", async () => {
    const port = await freePort();
    const down = await startTestServer({
      clock: time.clock,
      env: { GATEHOUSE_SMTP_URL: `smtp://127.0.0.1:${port}`, GATEHOUSE_MAIL_POLL_MS: "0", GATEHOUSE_MAIL_RETRY_BASE_SECONDS: "30" },
    });
    try {
      const downAdmin = await down.admin();
      const user = await portalUser(downAdmin);
      await down.anonymous.RequestPasswordReset({ input: { login: user.login } });
      expect(await down.deliverDue()).toMatchObject({ sent: 0, retrying: 1 });
      let [row] = (await downAdmin.OutboundEmails({ filter: { to: user.contact.email } })).outboundEmails.edges.map((e) => e.node);
      expect(row).toMatchObject({ status: "PENDING", attempts: 1, templateKey: "track-password-reset-template" });
      expect(row.lastError).toBeTruthy();
      // Not due again before the backoff has passed.
      expect(await down.deliverDue()).toMatchObject({ sent: 0, retrying: 0 });

      const back = await startSmtp(port);
      try {
        time.advance(31_000);
        expect(await down.deliverDue()).toMatchObject({ sent: 1 });
        time.advance(DAY);
        expect(await down.deliverDue()).toMatchObject({ sent: 0, retrying: 0 });
        expect(back.received.filter((m) => JSON.stringify(m.to).includes(user.contact.email!))).toHaveLength(1);
        [row] = (await (await down.admin()).OutboundEmails({ filter: { to: user.contact.email } })).outboundEmails.edges.map((e) => e.node);
        expect(row).toMatchObject({ status: "SENT", attempts: 2 });
      } finally {
        await back.close();
      }
    } finally {
      await down.close();
    }
  });

  it("marks an email FAILED after the maximum number of attempts", async () => {
    const port = await freePort();
    const down = await startTestServer({
      clock: time.clock,
      env: { GATEHOUSE_SMTP_URL: `smtp://127.0.0.1:${port}`, GATEHOUSE_MAIL_POLL_MS: "0", GATEHOUSE_MAIL_MAX_ATTEMPTS: "2", GATEHOUSE_MAIL_RETRY_BASE_SECONDS: "1" },
    });
    try {
      const downAdmin = await down.admin();
      const person = await contact(downAdmin);
      await downAdmin.SetPortalAccess({ input: { contactId: person.id, login: `fail-${unique()}`, emailCredentials: true } });
      expect(await down.deliverDue()).toMatchObject({ retrying: 1 });
      time.advance(5_000);
      expect(await down.deliverDue()).toMatchObject({ failed: 1 });
      const { outboundEmails: list } = await downAdmin.OutboundEmails({ filter: { status: "FAILED" } });
      expect(list.edges.map((e) => e.node)).toMatchObject([{ to: person.email, attempts: 2, status: "FAILED" }]);
    } finally {
      await down.close();
    }
  });
});

describe("rate limits", () => {
  it("limits reset requests per login name (RATE_LIMITED), known or not, without touching other logins", async () => {
    const limited = await startTestServer({ env: { GATEHOUSE_MAIL_POLL_MS: "0", GATEHOUSE_RESET_LIMIT_PER_MINUTE: "2" } });
    try {
      const login = `anyone-${unique()}`;
      for (let i = 0; i < 2; i++) await limited.anonymous.RequestPasswordReset({ input: { login } });
      await expectRefusal(limited.anonymous.RequestPasswordReset({ input: { login: login.toUpperCase() } }), "RATE_LIMITED");
      await expect(limited.anonymous.RequestPasswordReset({ input: { login: `other-${unique()}` } })).resolves.toEqual({ requestPasswordReset: true });
    } finally {
      await limited.close();
    }
  });
});
