import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contact, unique } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startSmtp } from "./support.js";

// Two processes on one database need PostgreSQL (PGlite is one process's embedded database).
describe.runIf(!!process.env.DATABASE_URL)("two server instances on one PostgreSQL database", () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    smtp = await startSmtp();
    const env = { GATEHOUSE_SMTP_URL: smtp.url, GATEHOUSE_MAIL_POLL_MS: "0" };
    first = await startTestServer({ env });
    second = await startTestServer({ env, shareDatabaseOf: first });
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
});
