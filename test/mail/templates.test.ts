import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { auditEvents } from "../../src/db/schema/index.js";
import { contact, unique } from "../helpers/factories.js";
import { securityMatrix, signInStaff, staffUser, type Matrix } from "../helpers/principals.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { expectRefusal } from "../customers/support.js";

let server: TestServer;
let admin: GatehouseClient;
let matrix: Matrix;
beforeAll(async () => {
  // No SMTP URL: delivery writes .eml files under the data directory.
  server = await startTestServer({ env: { GATEHOUSE_MAIL_POLL_MS: "0", GATEHOUSE_PORTAL_URL: "https://portal.example.test" } });
  admin = await server.admin();
  matrix = await securityMatrix(server, admin);
});
afterAll(() => server?.close());

const KEYS = ["track-password-reset-template", "portal-credentials", "registration-verification", "password-expiry-warning"];

/** The .eml files delivered so far, parsed. */
async function emlFiles() {
  const folder = join(server.dataDir, "outbox");
  const names = (() => {
    try {
      return readdirSync(folder);
    } catch {
      return [];
    }
  })();
  return Promise.all(names.map(async (name) => ({ name, raw: readFileSync(join(folder, name), "utf8"), mail: await simpleParser(readFileSync(join(folder, name))) })));
}

describe("message templates", () => {
  it("lists every key in English and German with built-in defaults and their variables", async () => {
    const { messageTemplates } = await admin.MessageTemplates();
    expect(messageTemplates.map((t) => `${t.key}/${t.locale}`).sort()).toEqual(KEYS.flatMap((k) => [`${k}/de`, `${k}/en`]).sort());
    expect(messageTemplates.every((t) => !t.custom && t.subject && t.body)).toBe(true);
    const reset = messageTemplates.find((t) => t.key === "track-password-reset-template" && t.locale === "de")!;
    expect(reset.subject).toMatch(/Passwort/);
    expect(reset.variables).toEqual(expect.arrayContaining(["contact.firstName", "contact.lastName", "login", "resetLink", "expiresAt", "organisation.name"]));
    expect(messageTemplates.find((t) => t.key === "portal-credentials")!.variables).toContain("password");
    expect(messageTemplates.find((t) => t.key === "track-password-reset-template")!.variables).not.toContain("password");
  });

  it("saves an override per locale (custom: true), audited, and the other locale keeps its default", async () => {
    const body = "Hi {{ contact.firstName }}, reset here: {{ resetLink }}";
    const { upsertMessageTemplate } = await admin.UpsertMessageTemplate({
      input: { key: "track-password-reset-template", locale: "en", subject: "Reset for {{ login }}", body },
    });
    expect(upsertMessageTemplate).toEqual({ key: "track-password-reset-template", locale: "en", subject: "Reset for {{ login }}", body, custom: true });
    const { messageTemplates } = await admin.MessageTemplates();
    const mine = messageTemplates.filter((t) => t.key === "track-password-reset-template");
    expect(mine.find((t) => t.locale === "en")).toMatchObject({ custom: true, body });
    expect(mine.find((t) => t.locale === "de")).toMatchObject({ custom: false });
    const { auditEvents: events } = await admin.AuditEvents({ first: 5, filter: { action: "upsertMessageTemplate" } });
    expect(events.edges[0].node.entityType).toBe("MessageTemplate");
    // An organisation's override applies to that organisation only.
    const { messageTemplates: theirs } = await matrix.otherOrganisation.MessageTemplates();
    expect(theirs.every((t) => !t.custom)).toBe(true);
  });

  it.each([
    { field: "body", subject: "ok", body: "{% if %}" },
    { field: "body", subject: "ok", body: "{{ contact.password }}" },
    { field: "body", subject: "ok", body: "{{ password }}" }, // not offered by the reset key
    { field: "body", subject: "ok", body: "{{ login | no_such_filter }}" },
    { field: "subject", subject: "{{ secretThing }}", body: "ok" },
    { field: "subject", subject: "{{ unclosed", body: "ok" },
  ])("refuses a $field that does not parse or names a variable the key does not offer: $subject / $body", async ({ field, subject, body }) => {
    await expectRefusal(admin.UpsertMessageTemplate({ input: { key: "track-password-reset-template", locale: "de", subject, body } }), "BAD_USER_INPUT", field);
  });

  it("refuses an unknown key or locale with BAD_USER_INPUT on that field", async () => {
    await expectRefusal(admin.UpsertMessageTemplate({ input: { key: "nope", locale: "en", subject: "s", body: "b" } }), "BAD_USER_INPUT", "key");
    await expectRefusal(admin.UpsertMessageTemplate({ input: { key: "portal-credentials", locale: "xx", subject: "s", body: "b" } }), "BAD_USER_INPUT", "locale");
  });

  it("previews with sample values, filling the missing ones with examples, for saved and unsaved wording", async () => {
    const { previewMessageTemplate: saved } = await admin.PreviewMessageTemplate({
      input: { key: "password-expiry-warning", locale: "de", sample: { contact: { firstName: "Grete" } } },
    });
    expect(saved.subject).toMatch(/läuft in \d+ Tagen ab/);
    expect(saved.textBody).toContain("Hallo Grete Lovelace");
    // The expiry warning goes to staff users too: the audience variable words it for the back office.
    const { previewMessageTemplate: staff } = await admin.PreviewMessageTemplate({
      input: { key: "password-expiry-warning", locale: "en", sample: { audience: "STAFF" } },
    });
    expect(staff.subject).toBe("Your back-office password expires in 5 days");
    expect(staff.textBody).toContain("the password of your back-office login ada.lovelace expires on");
    expect(staff.textBody).not.toMatch(/portal/i);
    // One day left is a day, not "1 days", in both languages.
    for (const [locale, subject] of [["en", "Your portal password expires in 1 day"], ["de", "Ihr Portal-Passwort läuft in 1 Tag ab"]]) {
      const { previewMessageTemplate: last } = await admin.PreviewMessageTemplate({ input: { key: "password-expiry-warning", locale, sample: { daysLeft: 1 } } });
      expect(last.subject).toBe(subject);
    }
    const { messageTemplates } = await admin.MessageTemplates();
    expect(messageTemplates.find((t) => t.key === "password-expiry-warning")!.variables).toContain("audience");
    const { previewMessageTemplate: draft } = await admin.PreviewMessageTemplate({
      input: { key: "portal-credentials", locale: "en", subject: "For {{ login }}", body: "{{ contact.firstName }}: <{{ password }}>", sample: { login: "kim" } },
    });
    expect(draft).toEqual({ subject: "For kim", textBody: "Ada: <example-password-123>" });
    await expectRefusal(admin.PreviewMessageTemplate({ input: { key: "portal-credentials", locale: "en", body: "{{ nope }}" } }), "BAD_USER_INPUT", "body");
  });

  it("escapes values in the HTML part and delivers into .eml files when no SMTP server is set", async () => {
    await admin.UpsertMessageTemplate({
      input: { key: "portal-credentials", locale: "en", subject: "Welcome {{ contact.firstName }}", body: "Dear {{ contact.firstName }}, your login is {{ login }}.{% if password %} Password: {{ password }}{% endif %}" },
    });
    const person = await contact(admin, { firstName: "<b>Eve</b>" });
    const { setPortalAccess } = await admin.SetPortalAccess({ input: { contactId: person.id, login: `eve-${unique()}`, emailCredentials: true } });
    expect(setPortalAccess.generatedPassword).toBeNull();
    await server.deliverDue();
    const file = (await emlFiles()).find((f) => JSON.stringify(f.mail.to).includes(person.email!))!;
    expect(file.name).toMatch(/^[0-9a-f-]{36}\.eml$/);
    expect(file.mail.subject).toBe("Welcome <b>Eve</b>");
    expect(file.mail.text).toContain("Dear <b>Eve</b>,");
    expect(file.mail.html).toContain("Dear &lt;b&gt;Eve&lt;/b&gt;,");
    expect(file.mail.html).not.toContain("<b>Eve</b>");
  });

  it("puts a generated password in the credentials email only: the response once, never the audit log or the log lines", async () => {
    const person = await contact(admin);
    const login = `gen-${unique()}`;
    const { setPortalAccess } = await admin.SetPortalAccess({ input: { contactId: person.id, login, generatePassword: true, emailCredentials: true } });
    const password = setPortalAccess.generatedPassword!;
    expect(password).toBeTruthy();
    const { outboundEmails } = await admin.OutboundEmails({ filter: { to: person.email } });
    expect(outboundEmails.edges.map((e) => e.node)).toMatchObject([{ templateKey: "portal-credentials", status: "PENDING", attempts: 0 }]);
    expect(JSON.stringify(outboundEmails)).not.toContain(password);
    await server.deliverDue();
    const file = (await emlFiles()).find((f) => JSON.stringify(f.mail.to).includes(person.email!))!;
    expect(file.mail.text).toContain(login);
    expect(file.mail.text).toContain(password);
    const audit = JSON.stringify(await server.db.select().from(auditEvents));
    expect(audit).not.toContain(password);
    expect(server.logs.join("\n")).not.toContain(password);
    // The emailed password is the account's: sign-in gets past the password, refused only for the missing profile.
    await expect(server.signIn("PORTAL", login, password)).rejects.toMatchObject({ errors: [{ extensions: { code: "ACCOUNT_DISABLED" } }] });
  });

  it("filters the outbox by recipient (exactly, case-insensitively), template key and status", async () => {
    const person = await contact(admin);
    await admin.SetPortalAccess({ input: { contactId: person.id, login: `f-${unique()}`, emailCredentials: true } });
    const byUpper = await admin.OutboundEmails({ filter: { to: person.email!.toUpperCase() } });
    expect(byUpper.outboundEmails.edges).toHaveLength(1);
    const byPrefix = await admin.OutboundEmails({ filter: { to: person.email!.slice(0, 5) } });
    expect(byPrefix.outboundEmails.edges).toHaveLength(0);
    const byKey = await admin.OutboundEmails({ filter: { to: person.email, templateKey: "registration-verification" } });
    expect(byKey.outboundEmails.edges).toHaveLength(0);
    await server.deliverDue();
    const sent = await admin.OutboundEmails({ filter: { to: person.email, status: "SENT" } });
    expect(sent.outboundEmails.edges.map((e) => e.node.attempts)).toEqual([1]);
  });
});

describe("security matrix: staff operations on templates and the outbox are for super users (until the SECURITY and AUDIT modules)", () => {
  const operations: Array<[string, (c: GatehouseClient) => Promise<unknown>]> = [
    ["MessageTemplates", (c) => c.MessageTemplates()],
    ["UpsertMessageTemplate", (c) => c.UpsertMessageTemplate({ input: { key: "portal-credentials", locale: "en", subject: "s", body: "b" } })],
    ["PreviewMessageTemplate", (c) => c.PreviewMessageTemplate({ input: { key: "portal-credentials", locale: "en" } })],
    ["OutboundEmails", (c) => c.OutboundEmails({})],
  ];
  it.each(operations)("%s: anonymous UNAUTHENTICATED, portal and plain staff FORBIDDEN", async (_name, call) => {
    await expectRefusal(call(matrix.anonymous), "UNAUTHENTICATED");
    await expectRefusal(call(matrix.portal), "FORBIDDEN");
    await expectRefusal(call(matrix.staff), "FORBIDDEN");
  });

  it("a super user of another organisation sees none of this organisation's emails", async () => {
    const person = await contact(admin);
    await admin.SetPortalAccess({ input: { contactId: person.id, login: `o-${unique()}`, emailCredentials: true } });
    const theirs = await matrix.otherOrganisation.OutboundEmails({ filter: { to: person.email } });
    expect(theirs.outboundEmails.edges).toHaveLength(0);
    const plainSuper = await signInStaff(server, await staffUser(server, { superUser: true }));
    expect((await plainSuper.OutboundEmails({ filter: { to: person.email } })).outboundEmails.edges).toHaveLength(1);
  });
});
