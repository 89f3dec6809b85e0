/**
 * The security matrix of the customer operations (in the style of unkey's API tests): every
 * staff operation, called as every principal of the shared matrix.
 *
 * - anonymous: UNAUTHENTICATED, and nothing is written;
 * - a portal contact: FORBIDDEN, and nothing is written;
 * - a super user of another organisation: this organisation's entities do not exist for it
 *   (NOT_FOUND for the id an operation acts on, BAD_USER_INPUT naming the field for a reference
 *   inside an input, lists without them), and nothing is written;
 * - a plain staff user (no super user): allowed. Security profiles and modules arrive in a
 *   later issue; when they do, add a "staff without the customers module" principal here and
 *   expect FORBIDDEN from it.
 *
 * To cover a new operation, add one entry to `operations`: what it needs (`prepare`), how to
 * call it (`perform`), what staff get, what the other organisation gets, and for mutations how
 * to see that a refused call changed nothing (`unchanged`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorCode, GatehouseClient } from "../../client-sdk/src/index.js";
import { company, contact, customerGroup, unique } from "../helpers/factories.js";
import { type Matrix, securityMatrix } from "../helpers/principals.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { expectRefusal } from "./support.js";

let server: TestServer;
let admin: GatehouseClient;
let matrix: Matrix;
const tag = unique();
/** What the read operations look for; created once, changed by no test. */
let shared: {
  group: { id: string; name: string };
  company: { id: string; name: string };
  contact: { id: string; lastName: string };
};

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.admin();
  matrix = await securityMatrix(server, admin);
  const group = await customerGroup(admin, { name: `Matrix group ${tag}`, portalEnabled: true });
  const firm = await company(admin, { customerGroupId: group.id, name: `Matrix company ${tag}` });
  const person = await contact(admin, { companyId: firm.id, lastName: `Matrix-${tag}` });
  shared = { group, company: firm, contact: person };
});
afterAll(() => server?.close());

type Principal = keyof Matrix;
type Refused = { code: ErrorCode; field?: string };
type Allowed<F, R> = { allowed: (result: R, fx: F) => unknown };

type Operation<F = any, R = any> = {
  /** The GraphQL field (and, where one field has several cases, which one). */
  name: string;
  /** The data one call needs: fresh for mutations, `shared` for reads. */
  prepare: () => Promise<F>;
  perform: (client: GatehouseClient, fx: F) => Promise<R>;
  /** A plain staff user of this organisation is allowed; this checks that the call really did its work. */
  staff: (result: R, fx: F) => unknown;
  otherOrganisation: Refused | Allowed<F, R>;
  /** For mutations: after a refusal, proves that nothing changed. */
  unchanged?: (fx: F) => Promise<void>;
};
const operation = <F, R>(o: Operation<F, R>) => o;

const reads = async () => shared;
/** Reads as the admin, answering null instead of throwing when the entity is gone. */
const readAsAdmin = async <T>(query: string, id: string) => (await admin.execute<Record<string, T | null>>(query, { id })).data ?? {};
const groupRead = async (id: string) =>
  (await readAsAdmin<{ name: string }>("query ($id: ID!) { customerGroup(id: $id) { name } }", id)).customerGroup ?? null;
const companyRead = async (id: string) =>
  (await readAsAdmin<{ name: string }>("query ($id: ID!) { company(id: $id) { name } }", id)).company ?? null;
const contactRead = async (id: string) =>
  (
    await readAsAdmin<{ firstName: string; portalAccount: { login: string } | null }>(
      "query ($id: ID!) { contact(id: $id) { firstName portalAccount { login } } }",
      id,
    )
  ).contact ?? null;
const freshContact = () => contact(admin);
const withAccount = async () => {
  const person = await contact(admin);
  const login = `matrix-${unique()}`;
  await admin.SetPortalAccess({ input: { contactId: person.id, login } });
  return { contact: person, login };
};

const operations: Operation[] = [
  // --- customer groups
  operation({
    name: "customerGroups",
    prepare: reads,
    perform: (c) => c.CustomerGroups(),
    staff: (r) => expect(r.customerGroups.map((g) => g.id)).toContain(shared.group.id),
    otherOrganisation: { allowed: (r) => expect(r.customerGroups.map((g) => g.id)).not.toContain(shared.group.id) },
  }),
  operation({
    name: "customerGroup",
    prepare: reads,
    perform: (c, fx) => c.CustomerGroup({ id: fx.group.id }),
    staff: (r, fx) => expect(r.customerGroup).toMatchObject({ id: fx.group.id, name: fx.group.name }),
    otherOrganisation: { code: "NOT_FOUND" },
  }),
  operation({
    name: "createCustomerGroup",
    prepare: async () => ({ name: `Created ${unique()}` }),
    perform: (c, fx) => c.CreateCustomerGroup({ input: { name: fx.name } }),
    staff: async (r, fx) => expect(await groupRead(r.createCustomerGroup.id)).toEqual({ name: fx.name }),
    // Allowed: it creates a group in its own organisation, which this one does not see.
    otherOrganisation: {
      allowed: async (r, fx) => {
        expect(r.createCustomerGroup.name).toBe(fx.name);
        expect(await groupRead(r.createCustomerGroup.id)).toBeNull();
        expect((await admin.CustomerGroups()).customerGroups.map((g) => g.name)).not.toContain(fx.name);
      },
    },
    unchanged: async (fx) => expect((await admin.CustomerGroups()).customerGroups.map((g) => g.name)).not.toContain(fx.name),
  }),
  operation({
    name: "updateCustomerGroup",
    prepare: async () => ({ group: await customerGroup(admin), name: `Renamed ${unique()}` }),
    perform: (c, fx) => c.UpdateCustomerGroup({ input: { id: fx.group.id, name: fx.name } }),
    staff: async (r, fx) => {
      expect(r.updateCustomerGroup.name).toBe(fx.name);
      expect(await groupRead(fx.group.id)).toEqual({ name: fx.name });
    },
    otherOrganisation: { code: "NOT_FOUND" },
    unchanged: async (fx) => expect(await groupRead(fx.group.id)).toEqual({ name: fx.group.name }),
  }),
  operation({
    name: "deleteCustomerGroup",
    prepare: () => customerGroup(admin),
    perform: (c, fx) => c.DeleteCustomerGroup({ id: fx.id }),
    staff: async (r, fx) => {
      expect(r.deleteCustomerGroup).toBe(fx.id);
      expect(await groupRead(fx.id)).toBeNull();
    },
    otherOrganisation: { code: "NOT_FOUND" },
    unchanged: async (fx) => expect(await groupRead(fx.id)).toEqual({ name: fx.name }),
  }),

  // --- companies
  operation({
    name: "companies",
    prepare: reads,
    perform: (c, fx) => c.Companies({ first: 100, filter: { search: fx.company.name } }),
    staff: (r, fx) => expect(r.companies.edges.map((e) => e.node.id)).toEqual([fx.company.id]),
    otherOrganisation: {
      allowed: (r) => {
        expect(r.companies.edges).toEqual([]);
        expect(r.companies.totalCount).toBe(0);
      },
    },
  }),
  operation({
    name: "company",
    prepare: reads,
    perform: (c, fx) => c.Company({ id: fx.company.id }),
    staff: (r, fx) => expect(r.company).toMatchObject({ id: fx.company.id, customerGroup: { id: fx.group.id } }),
    otherOrganisation: { code: "NOT_FOUND" },
  }),
  operation({
    name: "createCompany",
    prepare: async () => ({ group: await customerGroup(admin), name: `Created ${unique()}` }),
    perform: (c, fx) => c.CreateCompany({ input: { name: fx.name, customerGroupId: fx.group.id } }),
    staff: async (r, fx) => {
      expect(r.createCompany).toMatchObject({ name: fx.name, customerGroup: { id: fx.group.id } });
      expect(await companyRead(r.createCompany.id)).toEqual({ name: fx.name });
    },
    otherOrganisation: { code: "BAD_USER_INPUT", field: "customerGroupId" },
    unchanged: async (fx) =>
      expect((await admin.Companies({ filter: { customerGroupId: fx.group.id } })).companies.totalCount).toBe(0),
  }),
  operation({
    name: "updateCompany",
    prepare: async () => ({ company: await company(admin), name: `Renamed ${unique()}` }),
    perform: (c, fx) => c.UpdateCompany({ input: { id: fx.company.id, name: fx.name } }),
    staff: async (r, fx) => {
      expect(r.updateCompany.name).toBe(fx.name);
      expect(await companyRead(fx.company.id)).toEqual({ name: fx.name });
    },
    otherOrganisation: { code: "NOT_FOUND" },
    unchanged: async (fx) => expect(await companyRead(fx.company.id)).toEqual({ name: fx.company.name }),
  }),
  operation({
    name: "deleteCompany",
    prepare: () => company(admin),
    perform: (c, fx) => c.DeleteCompany({ id: fx.id }),
    staff: async (r, fx) => {
      expect(r.deleteCompany).toBe(fx.id);
      expect(await companyRead(fx.id)).toBeNull();
    },
    otherOrganisation: { code: "NOT_FOUND" },
    unchanged: async (fx) => expect(await companyRead(fx.id)).toEqual({ name: fx.name }),
  }),

  // --- contacts
  operation({
    name: "contacts",
    prepare: reads,
    perform: (c, fx) => c.Contacts({ first: 100, filter: { search: fx.contact.lastName } }),
    staff: (r, fx) => expect(r.contacts.edges.map((e) => e.node.id)).toEqual([fx.contact.id]),
    otherOrganisation: {
      allowed: (r) => {
        expect(r.contacts.edges).toEqual([]);
        expect(r.contacts.totalCount).toBe(0);
      },
    },
  }),
  operation({
    name: "contact",
    prepare: reads,
    perform: (c, fx) => c.Contact({ id: fx.contact.id }),
    staff: (r, fx) => expect(r.contact).toMatchObject({ id: fx.contact.id, company: { id: fx.company.id } }),
    otherOrganisation: { code: "NOT_FOUND" },
  }),
  operation({
    name: "createContact with companyId",
    prepare: async () => ({ company: await company(admin), lastName: `Created-${unique()}` }),
    perform: (c, fx) => c.CreateContact({ input: { firstName: "Matrix", lastName: fx.lastName, companyId: fx.company.id } }),
    staff: async (r, fx) => {
      expect(r.createContact).toMatchObject({ lastName: fx.lastName, company: { id: fx.company.id } });
      expect(await contactRead(r.createContact.id)).toMatchObject({ firstName: "Matrix" });
    },
    otherOrganisation: { code: "BAD_USER_INPUT", field: "companyId" },
    unchanged: async (fx) => expect((await admin.Contacts({ filter: { companyId: fx.company.id } })).contacts.totalCount).toBe(0),
  }),
  operation({
    name: "createContact with customerGroupId",
    prepare: async () => ({ group: await customerGroup(admin), lastName: `Created-${unique()}` }),
    perform: (c, fx) => c.CreateContact({ input: { firstName: "Matrix", lastName: fx.lastName, customerGroupId: fx.group.id } }),
    staff: (r, fx) => expect(r.createContact).toMatchObject({ lastName: fx.lastName, company: null, customerGroup: { id: fx.group.id } }),
    otherOrganisation: { code: "BAD_USER_INPUT", field: "customerGroupId" },
    unchanged: async (fx) =>
      expect((await admin.Contacts({ filter: { customerGroupId: fx.group.id } })).contacts.totalCount).toBe(0),
  }),
  operation({
    name: "updateContact",
    prepare: async () => ({ contact: await freshContact(), firstName: `Renamed${unique()}` }),
    perform: (c, fx) => c.UpdateContact({ input: { id: fx.contact.id, firstName: fx.firstName } }),
    staff: async (r, fx) => {
      expect(r.updateContact.firstName).toBe(fx.firstName);
      expect(await contactRead(fx.contact.id)).toMatchObject({ firstName: fx.firstName });
    },
    otherOrganisation: { code: "NOT_FOUND" },
    unchanged: async (fx) => expect(await contactRead(fx.contact.id)).toMatchObject({ firstName: fx.contact.firstName }),
  }),
  operation({
    name: "deleteContact",
    prepare: freshContact,
    perform: (c, fx) => c.DeleteContact({ id: fx.id }),
    staff: async (r, fx) => {
      expect(r.deleteContact).toBe(fx.id);
      expect(await contactRead(fx.id)).toBeNull();
    },
    otherOrganisation: { code: "NOT_FOUND" },
    unchanged: async (fx) => expect(await contactRead(fx.id)).toMatchObject({ firstName: fx.firstName }),
  }),

  // --- portal accounts
  operation({
    name: "setPortalAccess",
    prepare: async () => ({ contact: await freshContact(), login: `matrix-${unique()}` }),
    perform: (c, fx) => c.SetPortalAccess({ input: { contactId: fx.contact.id, login: fx.login } }),
    staff: async (r, fx) => {
      expect(r.setPortalAccess.contact.portalAccount).toMatchObject({ login: fx.login, enabled: true });
      expect(await contactRead(fx.contact.id)).toMatchObject({ portalAccount: { login: fx.login } });
    },
    otherOrganisation: { code: "NOT_FOUND" },
    unchanged: async (fx) => expect(await contactRead(fx.contact.id)).toMatchObject({ portalAccount: null }),
  }),
  operation({
    name: "revokePortalAccess",
    prepare: withAccount,
    perform: (c, fx) => c.RevokePortalAccess({ contactId: fx.contact.id }),
    staff: async (r, fx) => {
      expect(r.revokePortalAccess).toEqual({ id: fx.contact.id, portalAccount: null });
      expect(await contactRead(fx.contact.id)).toMatchObject({ portalAccount: null });
    },
    otherOrganisation: { code: "NOT_FOUND" },
    unchanged: async (fx) => expect(await contactRead(fx.contact.id)).toMatchObject({ portalAccount: { login: fx.login } }),
  }),

  // --- audit
  operation({
    name: "auditEvents",
    prepare: reads,
    perform: (c, fx) => c.AuditEvents({ filter: { entityId: fx.group.id } }),
    staff: (r) => expect(r.auditEvents.edges.map((e) => e.node.action)).toContain("createCustomerGroup"),
    otherOrganisation: {
      allowed: (r) => {
        expect(r.auditEvents.totalCount).toBe(0);
        expect(r.auditEvents.edges).toEqual([]);
      },
    },
  }),
];

const principals: Principal[] = ["anonymous", "portal", "otherOrganisation", "staff"];

function expectation(op: Operation, who: Principal): Refused | Allowed<any, any> {
  switch (who) {
    case "anonymous":
      return { code: "UNAUTHENTICATED" };
    case "portal":
      return { code: "FORBIDDEN" };
    case "otherOrganisation":
      return op.otherOrganisation;
    case "staff":
      return { allowed: op.staff };
  }
}

describe.each(operations)("$name", (op) => {
  it.each(principals)("as %s", async (who) => {
    const fx = await op.prepare();
    const expected = expectation(op, who);
    if ("allowed" in expected) {
      await expected.allowed(await op.perform(matrix[who], fx), fx);
      return;
    }
    const error = await expectRefusal(op.perform(matrix[who], fx), expected.code, expected.field);
    if (expected.code === "UNAUTHENTICATED" || expected.code === "FORBIDDEN") {
      expect(error.errors[0].path).toHaveLength(1); // refused at the operation's own field
    }
    await op.unchanged?.(fx);
  });
});

describe("another organisation", () => {
  it("may not move its own company into this organisation's customer group (BAD_USER_INPUT on customerGroupId)", async () => {
    const other = matrix.otherOrganisation;
    const { createCustomerGroup: theirGroup } = await other.CreateCustomerGroup({ input: { name: `Theirs ${unique()}` } });
    const { createCompany: theirs } = await other.CreateCompany({ input: { name: `Theirs ${unique()}`, customerGroupId: theirGroup.id } });
    await expectRefusal(
      other.UpdateCompany({ input: { id: theirs.id, customerGroupId: shared.group.id } }),
      "BAD_USER_INPUT",
      "customerGroupId",
    );
    expect((await other.Company({ id: theirs.id })).company?.customerGroup.id).toBe(theirGroup.id);
  });

  it("has names and logins of its own: this organisation's group name and login are free there", async () => {
    const other = matrix.otherOrganisation;
    const { createCustomerGroup: twin } = await other.CreateCustomerGroup({ input: { name: shared.group.name, portalEnabled: true } });
    expect(twin.id).not.toBe(shared.group.id);
    expect(await groupRead(shared.group.id)).toEqual({ name: shared.group.name });

    const mine = await withAccount();
    const { createContact: theirs } = await other.CreateContact({ input: { firstName: "Twin", lastName: "Contact", customerGroupId: twin.id } });
    const { setPortalAccess } = await other.SetPortalAccess({ input: { contactId: theirs.id, login: mine.login } });
    expect(setPortalAccess.contact.portalAccount?.login).toBe(mine.login);
    expect(await contactRead(mine.contact.id)).toMatchObject({ portalAccount: { login: mine.login } });
  });

  it("finds nothing of this organisation through list filters", async () => {
    const other = matrix.otherOrganisation;
    expect((await other.Contacts({ filter: { customerGroupId: shared.group.id } })).contacts.totalCount).toBe(0);
    expect((await other.Contacts({ filter: { companyId: shared.company.id } })).contacts.totalCount).toBe(0);
    expect((await other.Companies({ filter: { customerGroupId: shared.group.id } })).companies.totalCount).toBe(0);
    expect((await admin.Contacts({ filter: { companyId: shared.company.id } })).contacts.totalCount).toBe(1);
  });
});
