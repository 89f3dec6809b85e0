import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEventsQuery, GatehouseClient } from "../../client-sdk/src/index.js";
import { auditEvents, portalAccounts } from "../../src/db/schema/index.js";
import { company, contact, customerGroup, newPassword, portalUser, unique } from "../helpers/factories.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "../helpers/server.js";
import { auditCount, expectRefusal, unknownId } from "./support.js";

type AuditEvent = AuditEventsQuery["auditEvents"]["edges"][number]["node"];

let server: TestServer;
let admin: GatehouseClient;
let adminId: string;
beforeAll(async () => {
  server = await startTestServer();
  admin = await server.admin();
  adminId = (await admin.Me()).me.id;
});
afterAll(() => server?.close());

/**
 * Runs one mutation and expects exactly one new audit event in the organisation: the one
 * described, by the given actor (the admin by default), from the test's address.
 */
async function audited<T>(
  perform: () => Promise<T>,
  expected: (result: T) => {
    action: string;
    entityType: string;
    entityId: string | null;
    changes?: Record<string, unknown>;
    actor?: { type: "User" | "Contact"; id: string } | null;
  },
): Promise<{ result: T; event: AuditEvent; ofEntity: number }> {
  const before = await auditCount(admin);
  const result = await perform();
  const want = expected(result);
  const filter = { action: want.action, entityType: want.entityType, ...(want.entityId ? { entityId: want.entityId } : {}) };
  expect(await auditCount(admin)).toBe(before + 1);
  // Newest first: the event just written, and how many this entity has of this action so far.
  const { auditEvents: found } = await admin.AuditEvents({ first: 1, filter });
  const event = found.edges[0].node;
  const ofEntity = found.totalCount;
  const actor = want.actor === undefined ? { type: "User" as const, id: adminId } : want.actor;
  expect(event).toMatchObject({
    action: want.action,
    entityType: want.entityType,
    entityId: want.entityId,
    clientAddress: "127.0.0.1",
    actor: actor ? { __typename: actor.type } : null,
  });
  if (actor) {
    const byActor = await admin.AuditEvents({ first: 1, filter: { ...filter, actorId: actor.id } });
    expect(byActor.auditEvents.edges[0].node.id).toBe(event.id);
  }
  if (want.changes) expect(event.changes).toEqual(want.changes);
  expect(Math.abs(Date.parse(event.at) - Date.now())).toBeLessThan(5 * 60_000);
  return { result, event, ofEntity };
}

describe("customer group mutations", () => {
  it("createCustomerGroup records every stored value as {from: null, to}", async () => {
    const name = `Audited ${unique()}`;
    await audited(
      () => admin.CreateCustomerGroup({ input: { name, portalEnabled: true } }),
      (r) => ({
        action: "createCustomerGroup",
        entityType: "CustomerGroup",
        entityId: r.createCustomerGroup.id,
        changes: {
          name: { from: null, to: name },
          portalEnabled: { from: null, to: true },
          authMode: { from: null, to: "DATABASE" },
          profileAssignment: { from: null, to: "MANUAL" },
          selfRegistration: { from: null, to: false },
        },
      }),
    );
  });

  it("updateCustomerGroup records only the fields that changed", async () => {
    const group = await customerGroup(admin, { portalEnabled: true });
    const name = `Renamed ${unique()}`;
    await audited(
      () => admin.UpdateCustomerGroup({ input: { id: group.id, name, portalEnabled: true, selfRegistration: true } }),
      () => ({
        action: "updateCustomerGroup",
        entityType: "CustomerGroup",
        entityId: group.id,
        changes: { name: { from: group.name, to: name }, selfRegistration: { from: false, to: true } },
      }),
    );
  });

  it("deleteCustomerGroup records what went", async () => {
    const group = await customerGroup(admin);
    await audited(
      () => admin.DeleteCustomerGroup({ id: group.id }),
      () => ({ action: "deleteCustomerGroup", entityType: "CustomerGroup", entityId: group.id, changes: { name: { from: group.name, to: null } } }),
    );
  });
});

describe("company mutations", () => {
  it("createCompany, updateCompany (a move) and deleteCompany each write one event", async () => {
    const from = await customerGroup(admin);
    const to = await customerGroup(admin);
    const name = `Audited ${unique()}`;
    const { result } = await audited(
      () => admin.CreateCompany({ input: { name, customerGroupId: from.id } }),
      (r) => ({
        action: "createCompany",
        entityType: "Company",
        entityId: r.createCompany.id,
        changes: { name: { from: null, to: name }, customerGroupId: { from: null, to: from.id } },
      }),
    );
    const id = result.createCompany.id;
    await audited(
      () => admin.UpdateCompany({ input: { id, customerGroupId: to.id } }),
      () => ({ action: "updateCompany", entityType: "Company", entityId: id, changes: { customerGroupId: { from: from.id, to: to.id } } }),
    );
    await audited(
      () => admin.DeleteCompany({ id }),
      () => ({ action: "deleteCompany", entityType: "Company", entityId: id, changes: { name: { from: name, to: null } } }),
    );
  });
});

describe("contact mutations", () => {
  it("createContact, updateContact (an explicit null) and deleteContact each write one event", async () => {
    const firm = await company(admin);
    const { result } = await audited(
      () => admin.CreateContact({ input: { firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", companyId: firm.id } }),
      (r) => ({
        action: "createContact",
        entityType: "Contact",
        entityId: r.createContact.id,
        changes: {
          firstName: { from: null, to: "Ada" },
          lastName: { from: null, to: "Lovelace" },
          email: { from: null, to: "ada@example.com" },
          companyId: { from: null, to: firm.id },
          customerGroupId: { from: null, to: firm.customerGroup.id },
        },
      }),
    );
    const id = result.createContact.id;
    await audited(
      () => admin.UpdateContact({ input: { id, firstName: "Augusta", email: null } }),
      () => ({
        action: "updateContact",
        entityType: "Contact",
        entityId: id,
        changes: { firstName: { from: "Ada", to: "Augusta" }, email: { from: "ada@example.com", to: null } },
      }),
    );
    await audited(
      () => admin.DeleteContact({ id }),
      () => ({
        action: "deleteContact",
        entityType: "Contact",
        entityId: id,
        changes: { firstName: { from: "Augusta", to: null }, lastName: { from: "Lovelace", to: null } },
      }),
    );
  });
});

describe("portal access mutations", () => {
  it("setPortalAccess with a password records passwordChanged: true, and neither the password nor its hash", async () => {
    const person = await contact(admin);
    const login = `audited-${unique()}`;
    const password = newPassword();
    const { event } = await audited(
      () => admin.SetPortalAccess({ input: { contactId: person.id, login, password } }),
      () => ({
        action: "setPortalAccess",
        entityType: "Contact",
        entityId: person.id,
        changes: { login: { from: null, to: login }, passwordChanged: true },
      }),
    );
    const [account] = await server.db.select().from(portalAccounts).where(eq(portalAccounts.contactId, person.id));
    expect(account.passwordHash).toMatch(/^\$argon2id\$/);
    const hashBody = account.passwordHash!.split("$").at(-1)!;
    const serialised = JSON.stringify(event);
    expect(serialised).not.toContain(password);
    expect(serialised).not.toContain(hashBody);
    expect(serialised).not.toContain("argon2");

    // Nor anywhere else in the audit table.
    const everything = JSON.stringify(await server.db.select().from(auditEvents));
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(hashBody);

    const second = newPassword();
    const { event: changed, ofEntity } = await audited(
      () => admin.SetPortalAccess({ input: { contactId: person.id, password: second } }),
      () => ({ action: "setPortalAccess", entityType: "Contact", entityId: person.id, changes: { passwordChanged: true } }),
    );
    expect(ofEntity).toBe(2);
    expect(JSON.stringify(changed)).not.toContain(second);
  });

  it("setPortalAccess flag changes are keyed by the Contact and record {from, to}", async () => {
    const person = await contact(admin);
    const login = `flags-${unique()}`;
    await admin.SetPortalAccess({ input: { contactId: person.id, login } });
    const before = await auditCount(admin, { entityId: person.id, action: "setPortalAccess" });
    const beforeAll = await auditCount(admin);
    await admin.SetPortalAccess({
      input: { contactId: person.id, locked: true, externalId: "crm-1", passwordResetDate: "2030-01-01T00:00:00.000Z", enabled: true },
    });
    expect(await auditCount(admin)).toBe(beforeAll + 1);
    expect(await auditCount(admin, { entityId: person.id, action: "setPortalAccess" })).toBe(before + 1);
    const { auditEvents: found } = await admin.AuditEvents({ first: 1, filter: { entityId: person.id, action: "setPortalAccess" } });
    expect(found.edges[0].node).toMatchObject({
      entityType: "Contact",
      clientAddress: "127.0.0.1",
      actor: { __typename: "User" },
      changes: {
        locked: { from: false, to: true },
        externalId: { from: null, to: "crm-1" },
        passwordResetDate: { from: null, to: "2030-01-01T00:00:00.000Z" },
      },
    });
    expect(Object.keys(found.edges[0].node.changes as object).sort()).toEqual(["externalId", "locked", "passwordResetDate"]);
  });

  it("setPortalAccess with generatePassword records passwordChanged: true and not the generated password", async () => {
    const person = await contact(admin);
    const login = `generated-${unique()}`;
    const { result, event } = await audited(
      () => admin.SetPortalAccess({ input: { contactId: person.id, login, generatePassword: true } }),
      () => ({
        action: "setPortalAccess",
        entityType: "Contact",
        entityId: person.id,
        changes: { login: { from: null, to: login }, passwordChanged: true },
      }),
    );
    expect(result.setPortalAccess.generatedPassword).toEqual(expect.any(String));
    expect(JSON.stringify(event)).not.toContain(result.setPortalAccess.generatedPassword!);
  });

  it("revokePortalAccess records the login that went", async () => {
    const person = await contact(admin);
    const login = `revoked-${unique()}`;
    await admin.SetPortalAccess({ input: { contactId: person.id, login } });
    await audited(
      () => admin.RevokePortalAccess({ contactId: person.id }),
      () => ({ action: "revokePortalAccess", entityType: "Contact", entityId: person.id, changes: { login: { from: login, to: null } } }),
    );
  });
});

describe("sign-ins", () => {
  it("a portal sign-in records login, with the contact as actor and no password", async () => {
    const user = await portalUser(admin);
    const { event } = await audited(
      () => server.signIn("PORTAL", user.login, user.password),
      () => ({ action: "login", entityType: "Contact", entityId: user.contact.id, actor: { type: "Contact", id: user.contact.id } }),
    );
    expect(JSON.stringify(event)).not.toContain(user.password);
  });

  it("a staff sign-in records login, with the user as actor", async () => {
    const { event } = await audited(
      () => server.signIn("STAFF", "admin", ADMIN_PASSWORD),
      () => ({ action: "login", entityType: "User", entityId: adminId, actor: { type: "User", id: adminId } }),
    );
    // The count above proves one event; this one is the newest login of the admin.
    expect(JSON.stringify(event)).not.toContain(ADMIN_PASSWORD);
  });

  it("a failed sign-in with an unknown login records loginFailed with no actor and no password", async () => {
    const login = `nobody-${unique()}`;
    const password = newPassword();
    const before = await auditCount(admin);
    await expectRefusal(server.signIn("PORTAL", login, password), "INVALID_CREDENTIALS");
    expect(await auditCount(admin)).toBe(before + 1);
    const { auditEvents: found } = await admin.AuditEvents({ first: 1, filter: { action: "loginFailed" } });
    const event = found.edges[0].node;
    expect(event).toMatchObject({ action: "loginFailed", entityId: null, actor: null, clientAddress: "127.0.0.1" });
    expect(event.changes).toMatchObject({ login });
    expect(JSON.stringify(event)).not.toContain(password);
  });
});

describe("refused mutations", () => {
  it("write no audit event", async () => {
    const group = await customerGroup(admin);
    const before = await auditCount(admin);
    await expectRefusal(admin.CreateCustomerGroup({ input: { name: group.name.toUpperCase() } }), "CONFLICT", "name");
    await expectRefusal(admin.CreateCompany({ input: { name: "x", customerGroupId: unknownId() } }), "BAD_USER_INPUT", "customerGroupId");
    await expectRefusal(admin.CreateContact({ input: { firstName: "A", lastName: "B", email: "nope", customerGroupId: group.id } }), "BAD_USER_INPUT", "email");
    await expectRefusal(admin.UpdateContact({ input: { id: unknownId(), firstName: "X" } }), "NOT_FOUND");
    await expectRefusal(admin.SetPortalAccess({ input: { contactId: unknownId(), login: `x-${unique()}` } }), "NOT_FOUND");
    await expectRefusal(admin.DeleteCompany({ id: unknownId() }), "NOT_FOUND");
    expect(await auditCount(admin)).toBe(before);
  });
});
