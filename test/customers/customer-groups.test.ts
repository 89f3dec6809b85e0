import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { company, contact, customerGroup, portalProfile, portalUser, unique } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { expectRefusal, unknownId } from "./support.js";

let server: TestServer;
let admin: GatehouseClient;
beforeAll(async () => {
  server = await startTestServer();
  admin = await server.admin();
});
afterAll(() => server?.close());

const groupCount = async () => (await admin.CustomerGroups()).customerGroups.length;

describe("createCustomerGroup", () => {
  it("creates a group with the contract's defaults, and customerGroup reads it back", async () => {
    const name = `Defaults ${unique()}`;
    const { createCustomerGroup: created } = await admin.CreateCustomerGroup({ input: { name } });
    expect(created).toEqual({
      id: expect.any(String),
      name,
      portalEnabled: false,
      authMode: "DATABASE",
      profileAssignment: "MANUAL",
      selfRegistration: false,
      defaultProfile: null,
    });
    const { customerGroup: read } = await admin.CustomerGroup({ id: created.id });
    expect(read).toEqual({
      id: created.id,
      name,
      portalEnabled: false,
      authMode: "DATABASE",
      profileAssignment: "MANUAL",
      selfRegistration: false,
    });
  });

  it("stores the values it is given", async () => {
    const name = `Explicit ${unique()}`;
    const { createCustomerGroup: created } = await admin.CreateCustomerGroup({
      input: { name, portalEnabled: true, selfRegistration: true, authMode: "DATABASE", profileAssignment: "MANUAL" },
    });
    expect(created).toMatchObject({ name, portalEnabled: true, selfRegistration: true });
    const { customerGroup: read } = await admin.CustomerGroup({ id: created.id });
    expect(read).toMatchObject({ name, portalEnabled: true, selfRegistration: true });
  });

  it("refuses an empty or blank name with BAD_USER_INPUT on name, and writes nothing", async () => {
    const before = await groupCount();
    await expectRefusal(admin.CreateCustomerGroup({ input: { name: "" } }), "BAD_USER_INPUT", "name");
    await expectRefusal(admin.CreateCustomerGroup({ input: { name: "   " } }), "BAD_USER_INPUT", "name");
    expect(await groupCount()).toBe(before);
  });

  it("refuses a name taken in another case with CONFLICT on name", async () => {
    const name = `Acme ${unique()}`;
    await customerGroup(admin, { name });
    const before = await groupCount();
    await expectRefusal(admin.CreateCustomerGroup({ input: { name: name.toUpperCase() } }), "CONFLICT", "name");
    await expectRefusal(admin.CreateCustomerGroup({ input: { name: name.toLowerCase() } }), "CONFLICT", "name");
    expect(await groupCount()).toBe(before);
    const named = (await admin.CustomerGroups()).customerGroups.filter((g) => g.name.toLowerCase() === name.toLowerCase());
    expect(named).toHaveLength(1);
  });

  it.each([
    { field: "authMode", input: { authMode: "LDAP" as const } },
    { field: "directoryId", input: { directoryId: "00000000-0000-4000-8000-000000000001" } },
  ])("refuses $field (a later feature) with BAD_USER_INPUT saying it is not available yet", async ({ field, input }) => {
    const before = await groupCount();
    const error = await expectRefusal(
      admin.CreateCustomerGroup({ input: { name: `Later ${unique()}`, portalEnabled: true, ...input } }),
      "BAD_USER_INPUT",
      field,
    );
    expect(error.message).toMatch(/not available yet/i);
    expect(await groupCount()).toBe(before);
  });
});

describe("updateCustomerGroup", () => {
  it("is partial: fields left out keep their value", async () => {
    const { createCustomerGroup: group } = await admin.CreateCustomerGroup({
      input: { name: `Partial ${unique()}`, portalEnabled: true, selfRegistration: true },
    });
    const renamed = `Renamed ${unique()}`;
    const { updateCustomerGroup: updated } = await admin.UpdateCustomerGroup({ input: { id: group.id, name: renamed } });
    expect(updated).toEqual({
      id: group.id,
      name: renamed,
      portalEnabled: true,
      authMode: "DATABASE",
      profileAssignment: "MANUAL",
      defaultProfile: null,
    });
    expect((await admin.CustomerGroup({ id: group.id })).customerGroup).toMatchObject({
      name: renamed,
      portalEnabled: true,
      selfRegistration: true,
    });

    await admin.UpdateCustomerGroup({ input: { id: group.id, selfRegistration: false } });
    expect((await admin.CustomerGroup({ id: group.id })).customerGroup).toMatchObject({
      name: renamed,
      portalEnabled: true,
      selfRegistration: false,
    });
  });

  it("refuses an empty name and an explicit null name with BAD_USER_INPUT on name", async () => {
    const group = await customerGroup(admin);
    await expectRefusal(admin.UpdateCustomerGroup({ input: { id: group.id, name: "" } }), "BAD_USER_INPUT", "name");
    await expectRefusal(admin.UpdateCustomerGroup({ input: { id: group.id, name: null } }), "BAD_USER_INPUT", "name");
    expect((await admin.CustomerGroup({ id: group.id })).customerGroup?.name).toBe(group.name);
  });

  it("refuses renaming to a name taken in another case with CONFLICT on name", async () => {
    const taken = await customerGroup(admin, { name: `Taken ${unique()}` });
    const group = await customerGroup(admin);
    await expectRefusal(admin.UpdateCustomerGroup({ input: { id: group.id, name: taken.name.toUpperCase() } }), "CONFLICT", "name");
    expect((await admin.CustomerGroup({ id: group.id })).customerGroup?.name).toBe(group.name);
    // Its own name in another case is no conflict.
    const { updateCustomerGroup } = await admin.UpdateCustomerGroup({ input: { id: taken.id, name: taken.name.toUpperCase() } });
    expect(updateCustomerGroup.name).toBe(taken.name.toUpperCase());
  });

  it.each([
    { field: "authMode", input: { authMode: "LDAP" as const } },
    { field: "directoryId", input: { directoryId: "00000000-0000-4000-8000-000000000001" } },
  ])("refuses $field (a later feature) with BAD_USER_INPUT saying it is not available yet", async ({ field, input }) => {
    const group = await customerGroup(admin);
    const error = await expectRefusal(
      admin.UpdateCustomerGroup({ input: { id: group.id, name: `Changed ${unique()}`, ...input } }),
      "BAD_USER_INPUT",
      field,
    );
    expect(error.message).toMatch(/not available yet/i);
    expect((await admin.CustomerGroup({ id: group.id })).customerGroup).toMatchObject({
      name: group.name,
      authMode: "DATABASE",
      profileAssignment: "MANUAL",
    });
  });

  it("answers NOT_FOUND for an unknown or malformed id", async () => {
    await expectRefusal(admin.UpdateCustomerGroup({ input: { id: unknownId(), name: "x" } }), "NOT_FOUND");
    await expectRefusal(admin.UpdateCustomerGroup({ input: { id: "not-an-id", name: "x" } }), "NOT_FOUND");
  });

  it("turning portalEnabled off ends the group's portal sessions and refuses sign-in with ACCOUNT_DISABLED", async () => {
    const group = await customerGroup(admin, { portalEnabled: true });
    const inCompany = await portalUser(admin, { companyId: (await company(admin, { customerGroupId: group.id })).id });
    const direct = await contact(admin, { customerGroupId: group.id });
    const directPassword = `pw-${unique()}-direct-Secret`;
    const directLogin = `direct-${unique()}`;
    const profileId = (await portalProfile(admin)).id;
    await admin.SetPortalAccess({ input: { contactId: direct.id, login: directLogin, password: directPassword, profileId } });
    const elsewhere = await portalUser(admin);

    const [a, b, c] = await Promise.all([
      server.signIn("PORTAL", inCompany.login, inCompany.password),
      server.signIn("PORTAL", directLogin, directPassword),
      server.signIn("PORTAL", elsewhere.login, elsewhere.password),
    ]);
    expect((await a.Me()).me).toMatchObject({ id: inCompany.contact.id });
    expect((await b.Me()).me).toMatchObject({ id: direct.id });

    const { updateCustomerGroup } = await admin.UpdateCustomerGroup({ input: { id: group.id, portalEnabled: false } });
    expect(updateCustomerGroup.portalEnabled).toBe(false);

    await expectRefusal(a.Me(), "UNAUTHENTICATED");
    await expectRefusal(b.Me(), "UNAUTHENTICATED");
    expect((await c.Me()).me).toMatchObject({ id: elsewhere.contact.id });
    await expectRefusal(server.signIn("PORTAL", inCompany.login, inCompany.password), "ACCOUNT_DISABLED");
    await expectRefusal(server.signIn("PORTAL", directLogin, directPassword), "ACCOUNT_DISABLED");

    // Back on the portal, the contacts sign in again, but the old sessions stay ended.
    await admin.UpdateCustomerGroup({ input: { id: group.id, portalEnabled: true } });
    await expectRefusal(a.Me(), "UNAUTHENTICATED");
    await expectRefusal(b.Me(), "UNAUTHENTICATED");
    const again = await server.signIn("PORTAL", inCompany.login, inCompany.password);
    expect((await again.Me()).me).toMatchObject({ id: inCompany.contact.id });
  });
});

describe("customerGroups and customerGroup", () => {
  it("lists every group of the organisation by name", async () => {
    const tag = unique();
    const names = [`List ${tag} Charlie`, `List ${tag} Alpha`, `List ${tag} Bravo`];
    const ids = new Map<string, string>();
    for (const name of names) ids.set(name, (await customerGroup(admin, { name, portalEnabled: name.endsWith("Alpha") })).id);
    const { customerGroups } = await admin.CustomerGroups();
    const mine = customerGroups.filter((g) => g.name.startsWith(`List ${tag}`));
    expect(mine.map((g) => g.name)).toEqual([`List ${tag} Alpha`, `List ${tag} Bravo`, `List ${tag} Charlie`]);
    expect(mine[0]).toEqual({
      id: ids.get(`List ${tag} Alpha`),
      name: `List ${tag} Alpha`,
      portalEnabled: true,
      authMode: "DATABASE",
      profileAssignment: "MANUAL",
      selfRegistration: false,
    });
    expect(new Set(customerGroups.map((g) => g.id)).size).toBe(customerGroups.length);
  });

  it("answers NOT_FOUND with null data for an unknown or malformed id", async () => {
    for (const id of [unknownId(), "not-an-id", ""]) {
      const error = await expectRefusal(admin.CustomerGroup({ id }), "NOT_FOUND");
      expect(error.data).toEqual({ customerGroup: null });
      expect(error.errors[0].path).toEqual(["customerGroup"]);
    }
  });
});

describe("deleteCustomerGroup", () => {
  it("answers CONFLICT while the group has companies or contacts, then deletes it", async () => {
    const group = await customerGroup(admin);
    const firm = await company(admin, { customerGroupId: group.id });
    await expectRefusal(admin.DeleteCustomerGroup({ id: group.id }), "CONFLICT");
    await admin.DeleteCompany({ id: firm.id });

    const person = await contact(admin, { customerGroupId: group.id });
    await expectRefusal(admin.DeleteCustomerGroup({ id: group.id }), "CONFLICT");
    expect((await admin.CustomerGroup({ id: group.id })).customerGroup?.id).toBe(group.id);
    await admin.DeleteContact({ id: person.id });

    const { deleteCustomerGroup } = await admin.DeleteCustomerGroup({ id: group.id });
    expect(deleteCustomerGroup).toBe(group.id);
    const error = await expectRefusal(admin.CustomerGroup({ id: group.id }), "NOT_FOUND");
    expect(error.data).toEqual({ customerGroup: null });
    expect((await admin.CustomerGroups()).customerGroups.map((g) => g.id)).not.toContain(group.id);
    await expectRefusal(admin.DeleteCustomerGroup({ id: group.id }), "NOT_FOUND");
    await expectRefusal(admin.UpdateCustomerGroup({ input: { id: group.id, name: "gone" } }), "NOT_FOUND");
  });

  it("frees the name of a deleted group", async () => {
    const group = await customerGroup(admin);
    await admin.DeleteCustomerGroup({ id: group.id });
    const again = await customerGroup(admin, { name: group.name });
    expect(again.id).not.toBe(group.id);
  });

  it("answers NOT_FOUND for an unknown or malformed id", async () => {
    await expectRefusal(admin.DeleteCustomerGroup({ id: unknownId() }), "NOT_FOUND");
    await expectRefusal(admin.DeleteCustomerGroup({ id: "42" }), "NOT_FOUND");
  });
});
