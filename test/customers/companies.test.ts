import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompanyFilter, GatehouseClient } from "../../client-sdk/src/index.js";
import { company, contact, customerGroup, portalUser, unique } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { expectRefusal, unknownId } from "./support.js";

let server: TestServer;
let admin: GatehouseClient;
beforeAll(async () => {
  server = await startTestServer();
  admin = await server.admin();
});
afterAll(() => server?.close());

const companyCount = async (filter?: CompanyFilter) => (await admin.Companies({ first: 1, filter })).companies.totalCount;

/** Walks every page of the list with the given page size. */
async function walk(first: number, filter: CompanyFilter) {
  const nodes: Array<{ id: string; name: string }> = [];
  const totals: number[] = [];
  let after: string | null = null;
  for (let page = 0; page < 50; page++) {
    const { companies }: Awaited<ReturnType<GatehouseClient["Companies"]>> = await admin.Companies({ first, after, filter });
    expect(companies.edges.length).toBeLessThanOrEqual(first);
    totals.push(companies.totalCount);
    nodes.push(...companies.edges.map((e) => e.node));
    if (companies.edges.length) expect(companies.pageInfo.endCursor).toBe(companies.edges.at(-1)!.cursor);
    if (!companies.pageInfo.hasNextPage) return { nodes, totals, pages: page + 1 };
    after = companies.pageInfo.endCursor;
  }
  throw new Error("the list never ended");
}

describe("createCompany and company", () => {
  it("creates a company in a customer group and reads it back", async () => {
    const group = await customerGroup(admin);
    const name = `Analytical Engines ${unique()}`;
    const { createCompany } = await admin.CreateCompany({ input: { name, customerGroupId: group.id } });
    expect(createCompany).toEqual({ id: expect.any(String), name, customerGroup: { id: group.id } });
    const { company: read } = await admin.Company({ id: createCompany.id });
    expect(read).toEqual({
      id: createCompany.id,
      name,
      createdAt: expect.any(String),
      customerGroup: { id: group.id, name: group.name },
    });
    expect(Math.abs(Date.parse(read!.createdAt) - Date.now())).toBeLessThan(5 * 60_000);
  });

  it("refuses an unknown or malformed customerGroupId with BAD_USER_INPUT on customerGroupId, writing nothing", async () => {
    const before = await companyCount();
    for (const customerGroupId of [unknownId(), "not-an-id"]) {
      await expectRefusal(
        admin.CreateCompany({ input: { name: `Orphan ${unique()}`, customerGroupId } }),
        "BAD_USER_INPUT",
        "customerGroupId",
      );
    }
    expect(await companyCount()).toBe(before);
  });

  it("refuses an empty name with BAD_USER_INPUT on name, writing nothing", async () => {
    const group = await customerGroup(admin);
    await expectRefusal(admin.CreateCompany({ input: { name: " ", customerGroupId: group.id } }), "BAD_USER_INPUT", "name");
    expect(await companyCount({ customerGroupId: group.id })).toBe(0);
  });

  it("answers NOT_FOUND with null data for an unknown or malformed id", async () => {
    for (const id of [unknownId(), "not-an-id"]) {
      const error = await expectRefusal(admin.Company({ id }), "NOT_FOUND");
      expect(error.data).toEqual({ company: null });
    }
  });
});

describe("companies", () => {
  it("pages through every company by name with keyset cursors, with no duplicates and the right totalCount", async () => {
    const group = await customerGroup(admin);
    const names = ["Echo", "Bravo", "Delta", "Alpha", "Charlie", "Bravo", "Foxtrot"];
    const created = [];
    for (const name of names) created.push(await company(admin, { customerGroupId: group.id, name }));
    const filter = { customerGroupId: group.id };

    const expected = [...created].sort((a, b) => (a.name === b.name ? (a.id < b.id ? -1 : 1) : a.name < b.name ? -1 : 1));
    for (const first of [2, 1, 3, 7, 100]) {
      const { nodes, totals, pages } = await walk(first, filter);
      expect(nodes.map((n) => n.id)).toEqual(expected.map((c) => c.id));
      expect(new Set(nodes.map((n) => n.id)).size).toBe(names.length);
      expect(totals.every((t) => t === names.length)).toBe(true);
      expect(pages).toBe(Math.ceil(names.length / first));
    }
    const { nodes } = await walk(2, filter);
    expect(nodes.map((n) => n.name)).toEqual(["Alpha", "Bravo", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]);
  });

  it("filters by search (any part of the name, case-insensitively) and by customerGroupId", async () => {
    const group = await customerGroup(admin);
    const tag = unique();
    const babbage = await company(admin, { customerGroupId: group.id, name: `Babbage & Sons ${tag}` });
    await company(admin, { customerGroupId: group.id, name: `Difference Works ${tag}` });
    const search = async (text: string) =>
      (await admin.Companies({ filter: { search: text, customerGroupId: group.id } })).companies.edges.map((e) => e.node.id);
    expect(await search("BBAGE & s")).toEqual([babbage.id]);
    expect(await search(tag.toUpperCase())).toHaveLength(2);
    expect(await search("%")).toEqual([]);
    expect(await search("_")).toEqual([]);
    expect(await companyCount({ customerGroupId: group.id })).toBe(2);
    expect(await companyCount({ customerGroupId: unknownId() })).toBe(0);
  });

  it("refuses first outside 1..100 (field first) and an after that is not a cursor (field after)", async () => {
    for (const first of [0, -1, 101, 1000]) await expectRefusal(admin.Companies({ first }), "BAD_USER_INPUT", "first");
    for (const after of ["garbage", "", Buffer.from('["x"]').toString("base64url")]) {
      await expectRefusal(admin.Companies({ after }), "BAD_USER_INPUT", "after");
    }
  });
});

describe("updateCompany", () => {
  it("is partial: a new name keeps the group, and a new group keeps the name", async () => {
    const group = await customerGroup(admin);
    const other = await customerGroup(admin);
    const firm = await company(admin, { customerGroupId: group.id });
    const renamed = `Renamed ${unique()}`;
    expect((await admin.UpdateCompany({ input: { id: firm.id, name: renamed } })).updateCompany).toEqual({
      id: firm.id,
      name: renamed,
      customerGroup: { id: group.id },
    });
    expect((await admin.UpdateCompany({ input: { id: firm.id, customerGroupId: other.id } })).updateCompany).toEqual({
      id: firm.id,
      name: renamed,
      customerGroup: { id: other.id },
    });
    expect((await admin.Company({ id: firm.id })).company).toMatchObject({ name: renamed, customerGroup: { id: other.id } });
  });

  it("moving a company to another group moves its contacts with it", async () => {
    const from = await customerGroup(admin);
    const to = await customerGroup(admin);
    const firm = await company(admin, { customerGroupId: from.id });
    const bystanderFirm = await company(admin, { customerGroupId: from.id });
    const [a, b] = [await contact(admin, { companyId: firm.id }), await contact(admin, { companyId: firm.id })];
    const bystander = await contact(admin, { companyId: bystanderFirm.id });

    await admin.UpdateCompany({ input: { id: firm.id, customerGroupId: to.id } });
    for (const moved of [a, b]) {
      expect((await admin.Contact({ id: moved.id })).contact).toMatchObject({
        company: { id: firm.id },
        customerGroup: { id: to.id, name: to.name },
      });
    }
    expect((await admin.Contact({ id: bystander.id })).contact?.customerGroup.id).toBe(from.id);
    const inTo = (await admin.Contacts({ filter: { customerGroupId: to.id } })).contacts.edges.map((e) => e.node.id).sort();
    expect(inTo).toEqual([a.id, b.id].sort());
    expect((await admin.Contacts({ filter: { customerGroupId: from.id } })).contacts.edges.map((e) => e.node.id)).toEqual([bystander.id]);
  });

  it("moving a company to a group off the portal ends its contacts' portal sessions", async () => {
    const onPortal = await customerGroup(admin, { portalEnabled: true });
    const offPortal = await customerGroup(admin, { portalEnabled: false });
    const firm = await company(admin, { customerGroupId: onPortal.id });
    const user = await portalUser(admin, { companyId: firm.id });
    const portal = await server.signIn("PORTAL", user.login, user.password);
    expect((await portal.Me()).me).toMatchObject({ id: user.contact.id });

    await admin.UpdateCompany({ input: { id: firm.id, customerGroupId: offPortal.id } });
    await expectRefusal(portal.Me(), "UNAUTHENTICATED");
    await expectRefusal(server.signIn("PORTAL", user.login, user.password), "ACCOUNT_DISABLED");
    // Ended, not suspended: moving back does not revive the old session.
    await admin.UpdateCompany({ input: { id: firm.id, customerGroupId: onPortal.id } });
    await expectRefusal(portal.Me(), "UNAUTHENTICATED");
  });

  it("refuses an unknown customerGroupId with BAD_USER_INPUT on customerGroupId and changes nothing", async () => {
    const group = await customerGroup(admin);
    const firm = await company(admin, { customerGroupId: group.id });
    for (const customerGroupId of [unknownId(), "not-an-id"]) {
      await expectRefusal(
        admin.UpdateCompany({ input: { id: firm.id, name: "Changed", customerGroupId } }),
        "BAD_USER_INPUT",
        "customerGroupId",
      );
    }
    await expectRefusal(admin.UpdateCompany({ input: { id: firm.id, customerGroupId: null } }), "BAD_USER_INPUT", "customerGroupId");
    await expectRefusal(admin.UpdateCompany({ input: { id: firm.id, name: "" } }), "BAD_USER_INPUT", "name");
    expect((await admin.Company({ id: firm.id })).company).toMatchObject({ name: firm.name, customerGroup: { id: group.id } });
  });

  it("answers NOT_FOUND for an unknown or malformed id", async () => {
    await expectRefusal(admin.UpdateCompany({ input: { id: unknownId(), name: "x" } }), "NOT_FOUND");
    await expectRefusal(admin.UpdateCompany({ input: { id: "nope", name: "x" } }), "NOT_FOUND");
  });
});

describe("deleteCompany", () => {
  it("answers CONFLICT while the company has contacts, then deletes it", async () => {
    const firm = await company(admin);
    const person = await contact(admin, { companyId: firm.id });
    await expectRefusal(admin.DeleteCompany({ id: firm.id }), "CONFLICT");
    expect((await admin.Company({ id: firm.id })).company?.id).toBe(firm.id);

    await admin.DeleteContact({ id: person.id });
    expect((await admin.DeleteCompany({ id: firm.id })).deleteCompany).toBe(firm.id);
    const error = await expectRefusal(admin.Company({ id: firm.id }), "NOT_FOUND");
    expect(error.data).toEqual({ company: null });
    expect(await companyCount({ customerGroupId: firm.customerGroup.id })).toBe(0);
    await expectRefusal(admin.DeleteCompany({ id: firm.id }), "NOT_FOUND");
  });

  it("answers NOT_FOUND for an unknown or malformed id", async () => {
    await expectRefusal(admin.DeleteCompany({ id: unknownId() }), "NOT_FOUND");
    await expectRefusal(admin.DeleteCompany({ id: "nope" }), "NOT_FOUND");
  });
});
