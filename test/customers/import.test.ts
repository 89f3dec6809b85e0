import { count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseClient, ImportPortalAccountRow } from "../../client-sdk/src/index.js";
import { auditEvents, contacts, passwordHistory, portalAccounts } from "../../src/db/schema/index.js";
import { company, customerGroup, newPassword, portalProfile, portalUser, unique } from "../helpers/factories.js";
import { type Matrix, securityMatrix } from "../helpers/principals.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "../helpers/server.js";
import { post } from "../platform/support.js";
import { auditCount, expectRefusal, unknownId } from "./support.js";

let server: TestServer;
let admin: GatehouseClient;
let adminToken: string;

beforeAll(async () => {
  server = await startTestServer();
  const { login } = await server.anonymous.Login({ input: { audience: "STAFF", login: "admin", password: ADMIN_PASSWORD } });
  adminToken = login.token;
  admin = server.anonymous.withToken(adminToken);
});
afterAll(() => server?.close());

const row = (input: Partial<ImportPortalAccountRow> = {}): ImportPortalAccountRow => ({
  firstName: "Grace",
  lastName: `Hopper-${unique()}`,
  login: `imp-${unique()}`,
  ...input,
});
const manualGroup = () => customerGroup(admin, { portalEnabled: true });
const automaticGroup = async () => {
  const profile = await portalProfile(admin);
  const { createCustomerGroup } = await admin.CreateCustomerGroup({
    input: { name: `Auto ${unique()}`, portalEnabled: true, profileAssignment: "AUTOMATIC", defaultProfileId: profile.id },
  });
  return { group: createCustomerGroup, profile };
};
const importRows = (customerGroupId: string, rows: ImportPortalAccountRow[], dryRun?: boolean) =>
  admin.ImportPortalAccounts({ input: { customerGroupId, rows, dryRun } }).then((r) => r.importPortalAccounts);
const contactsIn = async (customerGroupId: string) =>
  (await server.db.select({ n: count() }).from(contacts).where(eq(contacts.customerGroupId, customerGroupId)))[0].n;
const companiesIn = async (customerGroupId: string) =>
  (await admin.Companies({ first: 100, filter: { customerGroupId } })).companies.edges.map((e) => e.node.name);
const importAudits = (groupId: string) => auditCount(admin, { action: "importPortalAccounts", entityId: groupId });

describe("importPortalAccounts: creating", () => {
  it("creates contacts, their companies once each, and portal accounts that sign in with the imported password", async () => {
    const group = await manualGroup();
    const profile = await portalProfile(admin);
    const password = newPassword();
    const firm = `Acme ${unique()}`;
    const rows = [
      row({ firstName: "Ada", email: "Ada.Import@Example.com", companyName: firm, password, profileId: profile.id }),
      row({ companyName: firm.toUpperCase() }),
      row({ companyName: null, email: "" }),
    ];
    const result = await importRows(group.id, rows);
    expect(result).toMatchObject({ dryRun: false, created: 3, updated: 0 });
    expect(result.rows.map((r) => [r.index, r.errors])).toEqual([[0, []], [1, []], [2, []]]);
    expect(result.rows.every((r) => r.contactId)).toBe(true);

    expect(await companiesIn(group.id)).toEqual([firm]);
    const [first, second, third] = await Promise.all(result.rows.map(async (r) => (await admin.Contact({ id: r.contactId! })).contact!));
    expect(first).toMatchObject({ firstName: "Ada", lastName: rows[0].lastName, email: "ada.import@example.com", company: { name: firm }, customerGroup: { id: group.id } });
    expect(first.portalAccount).toMatchObject({ login: rows[0].login, enabled: true, locked: false, authMode: "DATABASE", mustChangePassword: false, profile: { id: profile.id } });
    expect(second.company?.id).toBe(first.company?.id);
    expect(third).toMatchObject({ email: null, company: null, portalAccount: { login: rows[2].login, profile: null } });

    const portal = await server.signIn("PORTAL", rows[0].login, password);
    const { me } = await portal.Me();
    expect(me).toMatchObject({ __typename: "Contact", id: result.rows[0].contactId });
    // Accounts imported without a password have none: no password signs them in.
    expect((await server.anonymous.execute(`mutation ($l: String!) { login(input: { audience: PORTAL, login: $l, password: "${password}" }) { token } }`, { l: rows[1].login })).errors?.[0].extensions?.code).toBe("INVALID_CREDENTIALS");
    const history = await server.db.select({ n: count() }).from(passwordHistory).where(eq(passwordHistory.contactId, result.rows[0].contactId!));
    expect(history[0].n).toBe(1);
  });

  it("uses an existing company of the group by name, case-insensitively, and gives AUTOMATIC groups' accounts the default profile", async () => {
    const { group, profile } = await automaticGroup();
    const firm = await company(admin, { customerGroupId: group.id, name: `Globex ${unique()}` });
    const result = await importRows(group.id, [row({ companyName: firm.name.toLowerCase() })]);
    expect(result.created).toBe(1);
    const { contact: person } = await admin.Contact({ id: result.rows[0].contactId! });
    expect(person).toMatchObject({ company: { id: firm.id }, portalAccount: { profile: { id: profile.id } } });
    expect(await companiesIn(group.id)).toEqual([firm.name]);
  });
});

describe("importPortalAccounts: updating", () => {
  it("updates the contact and account a login of the group names (compared case-insensitively), ending sessions on a new password", async () => {
    const group = await manualGroup();
    const firm = await company(admin, { customerGroupId: group.id });
    const oldProfile = await portalProfile(admin);
    const newProfile = await portalProfile(admin);
    const user = await portalUser(admin, { companyId: firm.id, profileId: oldProfile.id });
    const session = await server.signIn("PORTAL", user.login, user.password);
    const password = newPassword();
    const result = await importRows(group.id, [
      { firstName: "Renamed", lastName: "Person", email: "new.address@example.com", login: ` ${user.login.toUpperCase()} `, password, profileId: newProfile.id, companyName: null },
    ]);
    expect(result).toMatchObject({ created: 0, updated: 1, rows: [{ index: 0, contactId: user.contact.id, errors: [] }] });
    const { contact: after } = await admin.Contact({ id: user.contact.id });
    expect(after).toMatchObject({
      firstName: "Renamed",
      lastName: "Person",
      email: "new.address@example.com",
      company: { id: firm.id }, // companyName null leaves the company as it is
      portalAccount: { login: user.login, profile: { id: newProfile.id }, mustChangePassword: false },
    });
    await expectRefusal(session.Me(), "UNAUTHENTICATED");
    await server.signIn("PORTAL", user.login, password);
    await expectRefusal(server.signIn("PORTAL", user.login, user.password), "INVALID_CREDENTIALS");
  });

  it("without password or profileId keeps them, and refuses a password from the account's history", async () => {
    const group = await manualGroup();
    const user = await portalUser(admin, { customerGroupId: group.id });
    const keep = await importRows(group.id, [row({ login: user.login })]);
    expect(keep.updated).toBe(1);
    const { contact: after } = await admin.Contact({ id: user.contact.id });
    expect(after?.portalAccount?.profile?.id).toBe(user.profileId);
    await server.signIn("PORTAL", user.login, user.password);

    const reused = await importRows(group.id, [row({ login: user.login, password: user.password })]);
    expect(reused).toMatchObject({ created: 0, updated: 0 });
    expect(reused.rows[0].errors).toEqual([{ field: "password", code: "PASSWORD_POLICY", message: expect.stringMatching(/last \d+ passwords/) }]);
  });
});

describe("importPortalAccounts: dry run and all-or-nothing", () => {
  it("dryRun reports what would happen and writes nothing", async () => {
    const group = await manualGroup();
    const user = await portalUser(admin, { customerGroupId: group.id });
    const before = await contactsIn(group.id);
    const audits = await importAudits(group.id);
    const result = await importRows(group.id, [row({ companyName: `Dry ${unique()}`, password: newPassword() }), row({ login: user.login, firstName: "Changed" })], true);
    expect(result).toMatchObject({ dryRun: true, created: 1, updated: 1 });
    expect(result.rows).toEqual([
      { index: 0, contactId: null, errors: [] },
      { index: 1, contactId: user.contact.id, errors: [] },
    ]);
    expect(await contactsIn(group.id)).toBe(before);
    expect(await companiesIn(group.id)).toEqual([]);
    expect((await admin.Contact({ id: user.contact.id })).contact?.firstName).toBe("Ada");
    expect(await importAudits(group.id)).toBe(audits);
  });

  it("writes nothing when one row is bad, and reports it in a normal payload", async () => {
    const group = await manualGroup();
    const firm = `Never ${unique()}`;
    const rows = [row({ companyName: firm }), row({ login: "x" }), row({ password: newPassword() })];
    const result = await importRows(group.id, rows);
    expect(result).toMatchObject({ dryRun: false, created: 0, updated: 0 });
    expect(result.rows.map((r) => [r.index, r.contactId, r.errors.map((e) => [e.field, e.code])])).toEqual([
      [0, null, []],
      [1, null, [["login", "BAD_USER_INPUT"]]],
      [2, null, []],
    ]);
    expect(await contactsIn(group.id)).toBe(0);
    expect(await companiesIn(group.id)).toEqual([]);
    expect(await importAudits(group.id)).toBe(0);
  });

  it("reports every bad row with its index, field and code", async () => {
    const group = await manualGroup();
    const { group: auto } = await automaticGroup();
    const elsewhere = await portalUser(admin, { customerGroupId: (await manualGroup()).id });
    const profile = await portalProfile(admin);
    const twice = `twice-${unique()}`;
    const rows = [
      row({ profileId: profile.id }), // fine
      row({ login: "has space" }),
      row({ login: twice }),
      row({ login: twice.toUpperCase() }),
      row({ login: elsewhere.login }),
      row({ password: "short" }),
      row({ email: "not-an-email" }),
      row({ profileId: unknownId() }),
      row({ profileId: "not-an-id" }),
      row({ firstName: "  " }),
      row({ companyName: "x".repeat(201) }),
    ];
    const result = await importRows(group.id, rows);
    expect(result).toMatchObject({ created: 0, updated: 0 });
    expect(result.rows.map((r) => r.errors.map((e) => `${r.index}:${e.field}:${e.code}`))).toEqual([
      [],
      ["1:login:BAD_USER_INPUT"],
      [],
      ["3:login:CONFLICT"],
      ["4:login:CONFLICT"],
      ["5:password:PASSWORD_POLICY"],
      ["6:email:BAD_USER_INPUT"],
      ["7:profileId:BAD_USER_INPUT"],
      ["8:profileId:BAD_USER_INPUT"],
      ["9:firstName:BAD_USER_INPUT"],
      ["10:companyName:BAD_USER_INPUT"],
    ]);
    // Every violation of the policy is listed in the row's message.
    expect(result.rows[5].errors[0].message).toMatch(/at least 15 characters.*too well known|too well known.*at least 15/);
    expect(result.rows[3].errors[0].message).toMatch(/row 2/);
    expect(await contactsIn(group.id)).toBe(0);

    const autoResult = await importRows(auto.id, [row({ profileId: profile.id })]);
    expect(autoResult.rows[0].errors.map((e) => [e.field, e.code])).toEqual([["profileId", "BAD_USER_INPUT"]]);
  });

  it("applies the organisation's username policy to logins", async () => {
    const group = await manualGroup();
    const result = await importRows(group.id, [row({ login: "x".repeat(65) })]);
    expect(result.rows[0].errors.map((e) => [e.field, e.code])).toEqual([["login", "BAD_USER_INPUT"]]);
  });
});

describe("importPortalAccounts: refusing the whole call", () => {
  it("refuses an unknown or malformed customerGroupId, a group not enabled for the portal, and no rows with BAD_USER_INPUT", async () => {
    await expectRefusal(importRows(unknownId(), [row()]), "BAD_USER_INPUT", "customerGroupId");
    await expectRefusal(importRows("nope", [row()]), "BAD_USER_INPUT", "customerGroupId");
    const off = await customerGroup(admin, { portalEnabled: false });
    await expectRefusal(importRows(off.id, [row()]), "BAD_USER_INPUT", "customerGroupId");
    expect(await contactsIn(off.id)).toBe(0);
    await expectRefusal(importRows((await manualGroup()).id, []), "BAD_USER_INPUT", "rows");
  });

  it("refuses more rows than GATEHOUSE_IMPORT_MAX_ROWS with LIMIT_EXCEEDED, writing nothing", async () => {
    const small = await startTestServer({ env: { GATEHOUSE_IMPORT_MAX_ROWS: "2" } });
    try {
      const staff = await small.admin();
      const group = await customerGroup(staff);
      await expectRefusal(staff.ImportPortalAccounts({ input: { customerGroupId: group.id, rows: [row(), row(), row()] } }), "LIMIT_EXCEEDED");
      const { contacts: none } = await staff.Contacts({ filter: { customerGroupId: group.id } });
      expect(none.totalCount).toBe(0);
      const ok = await staff.ImportPortalAccounts({ input: { customerGroupId: group.id, rows: [row(), row()] } });
      expect(ok.importPortalAccounts.created).toBe(2);
    } finally {
      await small.close();
    }
  });
});

describe("importPortalAccounts: audit and secrets", () => {
  it("writes one audit event on the customer group with counts, and no password anywhere", async () => {
    const group = await manualGroup();
    const user = await portalUser(admin, { customerGroupId: group.id });
    const passwords = [newPassword(), newPassword()];
    const result = await importRows(group.id, [row({ password: passwords[0], companyName: `Audit ${unique()}` }), row({ login: user.login, password: passwords[1] })]);
    expect(result).toMatchObject({ created: 1, updated: 1 });
    const { auditEvents: events } = await admin.AuditEvents({ filter: { action: "importPortalAccounts", entityId: group.id } });
    expect(events.totalCount).toBe(1);
    expect(events.edges[0].node).toMatchObject({
      entityType: "CustomerGroup",
      entityId: group.id,
      changes: { rows: 2, created: 1, updated: 1, companiesCreated: 1, passwordsSet: 2 },
    });
    const stored = await server.db.select({ changes: auditEvents.changes }).from(auditEvents).where(sql`${auditEvents.action} = 'importPortalAccounts'`);
    const hashes = (await server.db.select({ h: portalAccounts.passwordHash }).from(portalAccounts).where(eq(portalAccounts.contactId, user.contact.id)))[0].h!;
    for (const secret of [...passwords, hashes]) {
      expect(JSON.stringify(stored)).not.toContain(secret);
      expect(server.logs.join("\n")).not.toContain(secret);
      expect(JSON.stringify(result)).not.toContain(secret);
    }
  });
});

describe("importPortalAccounts: who may call it", () => {
  let matrix: Matrix;
  beforeAll(async () => {
    matrix = await securityMatrix(server, admin);
  });

  it.each([
    ["anonymous", "UNAUTHENTICATED", undefined],
    ["portal", "FORBIDDEN", undefined],
    ["otherOrganisation", "BAD_USER_INPUT", "customerGroupId"],
  ] as const)("refuses %s with %s, writing nothing", async (who, code, field) => {
    const group = await manualGroup();
    const error = await expectRefusal(matrix[who].ImportPortalAccounts({ input: { customerGroupId: group.id, rows: [row()] } }), code, field);
    if (code !== "BAD_USER_INPUT") expect(error.errors[0].path).toEqual(["importPortalAccounts"]);
    expect(await contactsIn(group.id)).toBe(0);
  });

  // Security profiles and modules arrive later; until then every staff user may import, as for setPortalAccess.
  it("allows a plain staff user", async () => {
    const group = await manualGroup();
    const { importPortalAccounts } = await matrix.staff.ImportPortalAccounts({ input: { customerGroupId: group.id, rows: [row()] } });
    expect(importPortalAccounts.created).toBe(1);
  });
});

describe("request bodies", () => {
  const bigBody = (customerGroupId: string, bytes: number) => {
    // Long names keep 2 MB under the 10,000 rows an import may have.
    const rows: ImportPortalAccountRow[] = [];
    for (let size = 0; size <= bytes; ) {
      const next = row({ firstName: "F".repeat(150), email: `${unique()}@example.com`, companyName: "Body test" });
      rows.push(next);
      size += JSON.stringify(next).length + 1;
    }
    return { query: "mutation ($input: ImportPortalAccountsInput!) { importPortalAccounts(input: $input) { created } }", variables: { input: { customerGroupId, rows, dryRun: true } } };
  };

  it("refuses an anonymous or portal body over GATEHOUSE_BODY_LIMIT_BYTES with 413, with or without content-length", async () => {
    const group = await manualGroup();
    const body = JSON.stringify(bigBody(group.id, 300 * 1024));
    expect(body.length).toBeGreaterThan(300 * 1024);
    const user = await portalUser(admin);
    const { login } = await server.anonymous.Login({ input: { audience: "PORTAL", login: user.login, password: user.password } });
    for (const token of [undefined, login.token, "not-a-session"]) {
      const r = await post(server.url, body, { token });
      expect(r.status).toBe(413);
      expect(r.body?.errors?.[0].extensions?.code).toBe("BAD_REQUEST");
    }
    // A streamed body announces no length: it is counted as it arrives.
    const streamed = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Blob([body]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await streamed.json()).errors[0].extensions.code).toBe("BAD_REQUEST");
  });

  it("accepts a 2 MB import from staff", async () => {
    const group = await manualGroup();
    const payload = bigBody(group.id, 2 * 1024 * 1024);
    expect(JSON.stringify(payload).length).toBeGreaterThan(2 * 1024 * 1024);
    const r = await post(server.url, payload, { token: adminToken });
    expect(r.status).toBe(200);
    expect(r.body?.data).toEqual({ importPortalAccounts: { created: payload.variables.input.rows.length } });
  });
});

describe("importPortalAccounts: 10,000 rows", () => {
  it("imports 10,000 rows in one call with bulk statements", { timeout: 180_000 }, async () => {
    const group = await manualGroup();
    const tag = unique();
    const rows: ImportPortalAccountRow[] = [];
    for (let i = 0; i < 10_000; i++) {
      rows.push({ firstName: `First${i}`, lastName: `Last${i}`, email: `bulk${i}.${tag}@example.com`, companyName: `Bulk company ${i % 50}`, login: `bulk-${tag}-${i}` });
    }
    const profile = await portalProfile(admin);
    const passwords = Array.from({ length: 5 }, () => newPassword());
    passwords.forEach((password, i) => Object.assign(rows[i * 1000], { password, profileId: profile.id }));

    const statementsBefore = server.queries.length;
    const started = performance.now();
    const result = await importRows(group.id, rows);
    const seconds = (performance.now() - started) / 1000;
    const statements = server.queries.length - statementsBefore;
    console.log(`10,000-row import on ${server.dbKind}: ${seconds.toFixed(2)} s, ${statements} statements`);

    expect(result).toMatchObject({ created: 10_000, updated: 0 });
    expect(result.rows.filter((r) => r.errors.length)).toEqual([]);
    expect(new Set(result.rows.map((r) => r.contactId)).size).toBe(10_000);
    expect(statements).toBeLessThan(100);
    expect(await contactsIn(group.id)).toBe(10_000);
    expect(await companiesIn(group.id)).toHaveLength(50);
    await server.signIn("PORTAL", rows[3000].login, passwords[3]);

    // The same file again updates every account, still in bulk.
    const again = server.queries.length;
    const second = await importRows(group.id, rows.map((r) => ({ ...r, password: null, firstName: `${r.firstName}b` })));
    expect(second).toMatchObject({ created: 0, updated: 10_000 });
    expect(server.queries.length - again).toBeLessThan(100);
    expect(await contactsIn(group.id)).toBe(10_000);
    const [sample] = await server.db.select({ firstName: contacts.firstName }).from(contacts).where(eq(contacts.id, result.rows[42].contactId!));
    expect(sample.firstName).toBe("First42b");
  });
});
