import { readFileSync } from "node:fs";
import { join } from "node:path";
import { count, eq, sql } from "drizzle-orm";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { auditEvents, authenticationPolicies, contacts, organisations, outboundEmails, portalAccounts } from "../../src/db/schema/index.js";
import { customerGroup, newPassword, portalProfile, portalUser, unique } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { expectRefusal } from "../customers/support.js";
import { DAY, linkToken, movableClock } from "./support.js";

let server: TestServer;
let admin: GatehouseClient;
const time = movableClock();
beforeAll(async () => {
  server = await startTestServer({ clock: time.clock, env: { GATEHOUSE_MAIL_POLL_MS: "0", GATEHOUSE_PORTAL_URL: "https://portal.example.test" } });
});
// Some tests move the clock past the session timeouts: every test signs in afresh.
beforeEach(async () => {
  admin = await server.admin();
});
afterAll(() => server?.close());

const counts = async () => ({
  contacts: (await server.db.select({ n: count() }).from(contacts))[0].n,
  accounts: (await server.db.select({ n: count() }).from(portalAccounts))[0].n,
  emails: (await server.db.select({ n: count() }).from(outboundEmails))[0].n,
});

/** The text of the delivered email (an .eml file) to an address. */
async function deliveredText(to: string, templateKey: string) {
  await server.deliverDue();
  const rows = await server.db
    .select()
    .from(outboundEmails)
    .where(sql`lower(${outboundEmails.to}) = lower(${to}) and ${outboundEmails.templateKey} = ${templateKey}`);
  expect(rows.map((r) => r.status)).toEqual(rows.map(() => "SENT"));
  const mail = await simpleParser(readFileSync(join(server.dataDir, "outbox", `${rows.at(-1)!.id}.eml`)));
  return mail.text!;
}

async function selfRegistrationGroup() {
  const profile = await portalProfile(admin);
  const { createCustomerGroup } = await admin.CreateCustomerGroup({
    input: { name: `Self ${unique()}`, portalEnabled: true, selfRegistration: true, profileAssignment: "AUTOMATIC", defaultProfileId: profile.id },
  });
  return createCustomerGroup;
}

const registration = (customerGroupId: string, overrides: Record<string, string> = {}) => ({
  customerGroupId,
  firstName: "Reg",
  lastName: `Istered-${unique()}`,
  email: `reg.${unique()}@example.com`,
  login: `reg-${unique()}`,
  password: newPassword(),
  ...overrides,
});

describe("self-registration", () => {
  it("creates a pending account that signs in only after the emailed link is followed", async () => {
    const group = await selfRegistrationGroup();
    const input = { ...registration(group.id), companyName: `Self Co ${unique()}` };
    expect(await server.anonymous.RegisterPortalAccount({ input })).toEqual({ registerPortalAccount: true });
    await expectRefusal(server.signIn("PORTAL", input.login, input.password), "ACCOUNT_DISABLED");

    const text = await deliveredText(input.email, "registration-verification");
    const token = linkToken(text, "https://portal.example.test/verify-registration");
    expect(await server.anonymous.VerifyRegistration({ token })).toEqual({ verifyRegistration: true });
    const session = await server.signIn("PORTAL", input.login, input.password);
    const { me } = await session.Me();
    expect(me).toMatchObject({ __typename: "Contact" });
    const [row] = await server.db.select().from(contacts).where(eq(contacts.email, input.email));
    expect(row.companyId).not.toBeNull();
    const { contact } = await admin.Contact({ id: row.id });
    expect(contact!.portalAccount!.profile?.id).toBe(group.defaultProfile!.id);

    await expectRefusal(server.anonymous.VerifyRegistration({ token }), "BAD_USER_INPUT", "token");
    await expectRefusal(server.anonymous.VerifyRegistration({ token: "not-a-token" }), "BAD_USER_INPUT", "token");
    const audit = JSON.stringify(await server.db.select().from(auditEvents).where(eq(auditEvents.entityId, row.id)));
    expect(audit).toContain("registerPortalAccount");
    expect(audit).not.toContain(input.password);
    expect(audit).not.toContain(token);
    expect(server.logs.join("\n")).not.toContain(input.password);
  });

  it("answers true and creates nothing for a group without selfRegistration, an unknown group, a taken login or a taken email", async () => {
    const closed = await customerGroup(admin, { portalEnabled: true });
    const open = await selfRegistrationGroup();
    const existing = await portalUser(admin);
    const before = await counts();
    const attempts = [
      registration(closed.id),
      registration(crypto.randomUUID()),
      registration(open.id, { login: existing.login.toUpperCase() }),
      registration(open.id, { email: existing.contact.email!.toUpperCase() }),
    ];
    for (const input of attempts) {
      expect(await server.anonymous.RegisterPortalAccount({ input })).toEqual({ registerPortalAccount: true });
    }
    expect(await counts()).toEqual(before);
  });

  it("refuses malformed input with BAD_USER_INPUT on the field", async () => {
    const group = await selfRegistrationGroup();
    await expectRefusal(server.anonymous.RegisterPortalAccount({ input: registration(group.id, { email: "not-an-address" }) }), "BAD_USER_INPUT", "email");
    await expectRefusal(server.anonymous.RegisterPortalAccount({ input: registration(group.id, { login: "has space" }) }), "BAD_USER_INPUT", "login");
    await expectRefusal(server.anonymous.RegisterPortalAccount({ input: registration(group.id, { firstName: " " }) }), "BAD_USER_INPUT", "firstName");
  });
});

describe("password-expiry-warning", () => {
  it("goes out once per password when the warning window opens, and again for the next password", async () => {
    const [org] = await server.db.select().from(organisations).where(eq(organisations.slug, "default"));
    await server.db
      .insert(authenticationPolicies)
      .values({ organisationGroupId: org.organisationGroupId, settings: { password: { maxAgeDays: 30, expiryWarningDays: 7 } } })
      .onConflictDoUpdate({ target: authenticationPolicies.organisationGroupId, set: { settings: { password: { maxAgeDays: 30, expiryWarningDays: 7 } } } });
    try {
      const user = await portalUser(admin);
      const warnings = async () =>
        (await server.db.select().from(outboundEmails).where(sql`${outboundEmails.to} = ${user.contact.email} and ${outboundEmails.templateKey} = 'password-expiry-warning'`))
          .length;
      await server.deliverDue();
      time.advance(22 * DAY);
      await server.deliverDue();
      expect(await warnings()).toBe(0);
      time.advance(1.5 * DAY); // 23.5 days: inside the 7-day window before day 30
      await server.deliverDue();
      await server.deliverDue();
      expect(await warnings()).toBe(1);
      time.advance(DAY);
      await server.deliverDue();
      expect(await warnings()).toBe(1);
      const text = await deliveredText(user.contact.email!, "password-expiry-warning");
      expect(text).toContain(user.login);

      admin = await server.admin();
      await admin.SetPortalAccess({ input: { contactId: user.contact.id, password: newPassword() } });
      time.advance(24 * DAY);
      await server.deliverDue();
      await server.deliverDue();
      expect(await warnings()).toBe(2);
    } finally {
      await server.db.delete(authenticationPolicies).where(eq(authenticationPolicies.organisationGroupId, org.organisationGroupId));
    }
  });
});
