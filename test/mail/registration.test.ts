import { readFileSync } from "node:fs";
import { join } from "node:path";
import { count, eq, sql } from "drizzle-orm";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { auditEvents, authenticationPolicies, contacts, organisations, outboundEmails, portalAccounts, users } from "../../src/db/schema/index.js";
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

  it("explainSignIn shows the verification step failing (ACCOUNT_DISABLED) until the email link is opened", async () => {
    const group = await selfRegistrationGroup();
    const input = registration(group.id);
    await server.anonymous.RegisterPortalAccount({ input });
    const explain = async () => (await admin.ExplainSignIn({ audience: "PORTAL", login: input.login })).explainSignIn;
    const before = await explain();
    expect([before.allowed, before.outcome]).toEqual([false, "ACCOUNT_DISABLED"]);
    expect(before.steps.filter((s) => !s.passed)).toEqual([
      { step: "verification", passed: false, detail: "The account registered itself and has not confirmed its email address yet." },
    ]);
    expect(before.steps.map((s) => s.step).slice(0, 3)).toEqual(["account", "enabled", "verification"]);

    const token = linkToken(await deliveredText(input.email, "registration-verification"), "https://portal.example.test/verify-registration");
    await server.anonymous.VerifyRegistration({ token });
    const after = await explain();
    expect([after.allowed, after.outcome]).toEqual([true, null]);
    expect(after.steps.find((s) => s.step === "verification")).toEqual({ step: "verification", passed: true, detail: "The account's email address is verified." });
    expect(after.steps.every((s) => s.passed)).toBe(true);
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
  it("goes to active staff users with an email address too, once per password, worded for the back office", async () => {
    const [org] = await server.db.select().from(organisations).where(eq(organisations.slug, "default"));
    // The clock has moved past the admin's own password's expiry in the test before: give it a fresh one.
    await server.db.update(users).set({ passwordChangedAt: time.clock() }).where(eq(users.username, "admin"));
    await admin.UpdateAuthenticationPolicy({ input: { password: { maxAgeDays: 30, expiryWarningDays: 7 } } });
    try {
      const staff = async (input: { email: string | null; state?: "ACTIVE" | "INACTIVE"; systemLanguage?: string }) =>
        (await admin.CreateUser({ input: { username: `staff-${unique()}`, firstName: "Sigrid", lastName: `Staff-${unique()}`, password: newPassword(), ...input } })).createUser;
      const email = `sigrid.${unique()}@example.com`;
      const sigrid = await staff({ email, systemLanguage: "de" });
      const inactive = await staff({ email: `inactive.${unique()}@example.com`, state: "INACTIVE" });
      const noEmail = await staff({ email: null });
      const warningsTo = async (to: string) =>
        (await server.db.select().from(outboundEmails).where(sql`${outboundEmails.to} = ${to} and ${outboundEmails.templateKey} = 'password-expiry-warning'`)).length;
      const warnedFor = async (id: string) => (await server.db.select().from(users).where(eq(users.id, id)))[0].expiryWarningSentFor;

      await server.deliverDue();
      time.advance(22 * DAY);
      await server.deliverDue();
      expect(await warningsTo(email)).toBe(0);
      time.advance(1.5 * DAY); // inside the 7-day window before day 30
      await server.deliverDue();
      await server.deliverDue();
      expect(await warningsTo(email)).toBe(1);
      time.advance(DAY);
      await server.deliverDue();
      expect(await warningsTo(email)).toBe(1);
      // Inactive users and users without an address get none, and are not marked as warned.
      expect(await warningsTo(inactive.email!)).toBe(0);
      expect(await warnedFor(inactive.id)).toBeNull();
      expect(await warnedFor(noEmail.id)).toBeNull();

      const text = await deliveredText(email, "password-expiry-warning");
      expect(text).toContain(sigrid.username);
      expect(text).toContain("Backoffice-Logins");
      expect(text).not.toContain("Portal");
      expect(text).not.toContain("https://portal.example.test");

      admin = await server.admin();
      await admin.ChangeUserPassword({ input: { userId: sigrid.id, newPassword: newPassword() } });
      time.advance(22 * DAY);
      await server.deliverDue();
      expect(await warningsTo(email)).toBe(1);
      time.advance(2 * DAY);
      await server.deliverDue();
      await server.deliverDue();
      expect(await warningsTo(email)).toBe(2);
    } finally {
      await server.db.delete(authenticationPolicies).where(eq(authenticationPolicies.organisationGroupId, org.organisationGroupId));
    }
  });
});
