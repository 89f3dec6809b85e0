import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboundEmails } from "../../src/db/schema/index.js";
import { contact, newPassword, portalUser, unique } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { DAY, movableClock, startSmtp } from "./support.js";

// Two processes on one database need PostgreSQL (PGlite is one process's embedded database).
describe.runIf(!!process.env.DATABASE_URL)("two server instances on one PostgreSQL database", () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let first: TestServer;
  let second: TestServer;
  const time = movableClock();
  beforeAll(async () => {
    smtp = await startSmtp();
    const env = { GATEHOUSE_SMTP_URL: smtp.url, GATEHOUSE_MAIL_POLL_MS: "0" };
    first = await startTestServer({ env, clock: time.clock });
    second = await startTestServer({ env, clock: time.clock, shareDatabaseOf: first });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await smtp?.close();
  });

  it("sends each email exactly once while both deliver at the same time", async () => {
    const admin = await first.admin();
    const people = [];
    for (let i = 0; i < 30; i++) people.push(await contact(admin));
    await Promise.all(people.map((p) => admin.SetPortalAccess({ input: { contactId: p.id, login: `two-${unique()}`, emailCredentials: true } })));
    const passes = await Promise.all([first.deliverDue(), second.deliverDue(), first.deliverDue(), second.deliverDue()]);
    expect(passes.reduce((n, p) => n + p.sent, 0)).toBe(30);
    await Promise.all([first.deliverDue(), second.deliverDue()]);
    const ids = smtp.received.map((m) => m.messageId);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    const recipients = smtp.received.map((m) => m.to && "text" in m.to ? m.to.text : "").sort();
    expect(recipients).toEqual(people.map((p) => p.email!).sort());
  });

  it("queues each password expiry warning once, for portal accounts and staff users, while both pass at the same time", async () => {
    const admin = await first.admin();
    await admin.UpdateAuthenticationPolicy({ input: { password: { maxAgeDays: 30, expiryWarningDays: 7 } } });
    const portal = await Promise.all(Array.from({ length: 5 }, () => portalUser(admin)));
    const staffEmails = Array.from({ length: 5 }, () => `two-staff.${unique()}@example.com`);
    for (const email of staffEmails) {
      await admin.CreateUser({ input: { username: `two-${unique()}`, firstName: "Two", lastName: "Servers", email, password: newPassword() } });
    }
    time.advance(24 * DAY);
    const passes = await Promise.all([first.deliverDue(), second.deliverDue(), first.deliverDue(), second.deliverDue()]);
    expect(passes.reduce((n, p) => n + p.warningsQueued, 0)).toBe(10);
    const warnings = await first.db
      .select({ to: outboundEmails.to })
      .from(outboundEmails)
      .where(sql`${outboundEmails.templateKey} = 'password-expiry-warning'`);
    expect(warnings.map((w) => w.to).sort()).toEqual([...portal.map((p) => p.contact.email!), ...staffEmails].sort());
  });
});
