import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContactFilter, ContactsQuery, GatehouseClient } from "../../client-sdk/src/index.js";
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

type Node = ContactsQuery["contacts"]["edges"][number]["node"];

const contactCount = async (filter?: ContactFilter) => (await admin.Contacts({ first: 1, filter })).contacts.totalCount;
const ids = async (filter: ContactFilter) => (await admin.Contacts({ first: 100, filter })).contacts.edges.map((e) => e.node.id);

/** Walks every page of the contact list with the given page size. */
async function walk(first: number, filter: ContactFilter) {
  const nodes: Node[] = [];
  let after: string | null = null;
  for (let page = 0; page < 100; page++) {
    const { contacts }: ContactsQuery = await admin.Contacts({ first, after, filter });
    expect(contacts.edges.length).toBeLessThanOrEqual(first);
    nodes.push(...contacts.edges.map((e) => e.node));
    if (!contacts.pageInfo.hasNextPage) return { nodes, totalCount: contacts.totalCount };
    expect(contacts.edges).toHaveLength(first);
    after = contacts.pageInfo.endCursor;
  }
  throw new Error("the list never ended");
}

describe("createContact and contact", () => {
  it("with companyId: the contact belongs to the company's customer group", async () => {
    const firm = await company(admin);
    const { createContact } = await admin.CreateContact({
      input: { firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", phone: "+44 20 7946 0000", companyId: firm.id },
    });
    expect(createContact).toEqual({
      id: expect.any(String),
      firstName: "Ada",
      lastName: "Lovelace",
      email: "ada@example.com",
      company: { id: firm.id },
      customerGroup: { id: firm.customerGroup.id },
    });
    const { contact: read } = await admin.Contact({ id: createContact.id });
    expect(read).toEqual({
      id: createContact.id,
      firstName: "Ada",
      lastName: "Lovelace",
      email: "ada@example.com",
      phone: "+44 20 7946 0000",
      company: { id: firm.id, name: firm.name },
      customerGroup: { id: firm.customerGroup.id, name: expect.any(String) },
      portalAccount: null,
    });
  });

  it("with customerGroupId: the contact belongs to the group directly, without a company", async () => {
    const group = await customerGroup(admin);
    const { createContact } = await admin.CreateContact({ input: { firstName: "Grace", lastName: "Hopper", customerGroupId: group.id } });
    expect(createContact).toMatchObject({ company: null, customerGroup: { id: group.id }, email: null });
    expect((await admin.Contact({ id: createContact.id })).contact).toMatchObject({
      company: null,
      customerGroup: { id: group.id, name: group.name },
      phone: null,
    });
  });

  it("refuses both or neither of companyId and customerGroupId with BAD_USER_INPUT, writing nothing", async () => {
    const firm = await company(admin);
    const before = await contactCount();
    const both = await expectRefusal(
      admin.CreateContact({ input: { firstName: "A", lastName: "B", companyId: firm.id, customerGroupId: firm.customerGroup.id } }),
      "BAD_USER_INPUT",
    );
    expect(["companyId", "customerGroupId"]).toContain(both.field);
    const neither = await expectRefusal(admin.CreateContact({ input: { firstName: "A", lastName: "B" } }), "BAD_USER_INPUT");
    expect(["companyId", "customerGroupId"]).toContain(neither.field);
    expect(await contactCount()).toBe(before);
  });

  it("refuses unknown companyId and customerGroupId with BAD_USER_INPUT naming the field", async () => {
    const before = await contactCount();
    for (const id of [unknownId(), "not-an-id"]) {
      await expectRefusal(admin.CreateContact({ input: { firstName: "A", lastName: "B", companyId: id } }), "BAD_USER_INPUT", "companyId");
      await expectRefusal(
        admin.CreateContact({ input: { firstName: "A", lastName: "B", customerGroupId: id } }),
        "BAD_USER_INPUT",
        "customerGroupId",
      );
    }
    expect(await contactCount()).toBe(before);
  });

  it("refuses empty names with BAD_USER_INPUT naming the field, writing nothing", async () => {
    const group = await customerGroup(admin);
    await expectRefusal(admin.CreateContact({ input: { firstName: "", lastName: "B", customerGroupId: group.id } }), "BAD_USER_INPUT", "firstName");
    await expectRefusal(admin.CreateContact({ input: { firstName: "  ", lastName: "B", customerGroupId: group.id } }), "BAD_USER_INPUT", "firstName");
    await expectRefusal(admin.CreateContact({ input: { firstName: "A", lastName: "", customerGroupId: group.id } }), "BAD_USER_INPUT", "lastName");
    expect(await contactCount({ customerGroupId: group.id })).toBe(0);
  });

  it("refuses an email that is not one with BAD_USER_INPUT on email, writing nothing", async () => {
    const group = await customerGroup(admin);
    const before = await contactCount();
    for (const email of ["not-an-email", "ada@", "@example.com", "ada lovelace@example.com", "ada@example"]) {
      await expectRefusal(
        admin.CreateContact({ input: { firstName: "Ada", lastName: "Lovelace", email, customerGroupId: group.id } }),
        "BAD_USER_INPUT",
        "email",
      );
    }
    expect(await contactCount()).toBe(before);
  });

  it("answers NOT_FOUND with null data for an unknown or malformed id", async () => {
    for (const id of [unknownId(), "not-an-id"]) {
      const error = await expectRefusal(admin.Contact({ id }), "NOT_FOUND");
      expect(error.data).toEqual({ contact: null });
    }
  });
});

describe("updateContact", () => {
  it("is partial: fields left out keep their value, and an explicit null clears email and phone", async () => {
    const group = await customerGroup(admin);
    const { createContact: person } = await admin.CreateContact({
      input: { firstName: "Ada", lastName: "Byron", email: "ada@example.com", phone: "+44 1", customerGroupId: group.id },
    });
    const { updateContact } = await admin.UpdateContact({ input: { id: person.id, lastName: "Lovelace" } });
    expect(updateContact).toEqual({ id: person.id, firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", phone: "+44 1" });

    await admin.UpdateContact({ input: { id: person.id, email: "countess@example.com" } });
    expect((await admin.Contact({ id: person.id })).contact).toMatchObject({
      firstName: "Ada",
      lastName: "Lovelace",
      email: "countess@example.com",
      phone: "+44 1",
    });

    const { updateContact: cleared } = await admin.UpdateContact({ input: { id: person.id, email: null, phone: null } });
    expect(cleared).toEqual({ id: person.id, firstName: "Ada", lastName: "Lovelace", email: null, phone: null });
    expect((await admin.Contact({ id: person.id })).contact).toMatchObject({ email: null, phone: null, lastName: "Lovelace" });
  });

  it("refuses empty or null names and a bad email, changing nothing", async () => {
    const person = await contact(admin, { firstName: "Ada", lastName: "Lovelace", email: "ada@example.com" });
    await expectRefusal(admin.UpdateContact({ input: { id: person.id, firstName: "" } }), "BAD_USER_INPUT", "firstName");
    await expectRefusal(admin.UpdateContact({ input: { id: person.id, firstName: null } }), "BAD_USER_INPUT", "firstName");
    await expectRefusal(admin.UpdateContact({ input: { id: person.id, lastName: null } }), "BAD_USER_INPUT", "lastName");
    await expectRefusal(admin.UpdateContact({ input: { id: person.id, lastName: "X", email: "nope" } }), "BAD_USER_INPUT", "email");
    expect((await admin.Contact({ id: person.id })).contact).toMatchObject({ firstName: "Ada", lastName: "Lovelace", email: "ada@example.com" });
  });

  it("answers NOT_FOUND for an unknown or malformed id", async () => {
    await expectRefusal(admin.UpdateContact({ input: { id: unknownId(), firstName: "X" } }), "NOT_FOUND");
    await expectRefusal(admin.UpdateContact({ input: { id: "nope", firstName: "X" } }), "NOT_FOUND");
  });
});

describe("contacts", () => {
  it("orders by last name, first name and id, and keyset pages of any size walk the same list", async () => {
    const group = await customerGroup(admin);
    const people: Array<[string, string]> = [
      ["Zed", "Adams"],
      ["Ann", "Baker"],
      ["Bob", "Adams"],
      ["Ann", "Adams"],
      ["Ann", "Adams"],
      ["Cy", "Baker"],
      ["Ann", "Carter"],
    ];
    const created = [];
    for (const [firstName, lastName] of people) {
      created.push((await admin.CreateContact({ input: { firstName, lastName, customerGroupId: group.id } })).createContact);
    }
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const expected = [...created].sort((a, b) => cmp(a.lastName, b.lastName) || cmp(a.firstName, b.firstName) || cmp(a.id, b.id));
    expect(expected.map((c) => `${c.firstName} ${c.lastName}`)).toEqual([
      "Ann Adams",
      "Ann Adams",
      "Bob Adams",
      "Zed Adams",
      "Ann Baker",
      "Cy Baker",
      "Ann Carter",
    ]);
    const filter = { customerGroupId: group.id };
    for (const first of [1, 2, 3, 4, 6, 7, 8, 100]) {
      const { nodes, totalCount } = await walk(first, filter);
      expect(nodes.map((n) => n.id)).toEqual(expected.map((c) => c.id));
      expect(totalCount).toBe(people.length);
    }
  });

  it("keeps its place: a contact added before the cursor does not appear, one after it does", async () => {
    const group = await customerGroup(admin);
    for (const lastName of ["Bell", "Dunn", "Fox"]) await contact(admin, { customerGroupId: group.id, firstName: "A", lastName });
    const filter = { customerGroupId: group.id };
    const page1 = (await admin.Contacts({ first: 2, filter })).contacts;
    expect(page1.edges.map((e) => e.node.lastName)).toEqual(["Bell", "Dunn"]);
    await contact(admin, { customerGroupId: group.id, firstName: "A", lastName: "Abel" });
    await contact(admin, { customerGroupId: group.id, firstName: "A", lastName: "Eve" });
    const page2 = (await admin.Contacts({ first: 2, after: page1.pageInfo.endCursor, filter })).contacts;
    expect(page2.edges.map((e) => e.node.lastName)).toEqual(["Eve", "Fox"]);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    expect(page2.totalCount).toBe(5);
  });

  it("refuses first outside 1..100 (field first) and an after that is not a cursor (field after)", async () => {
    for (const first of [1000, 0, -1, 101]) {
      const error = await expectRefusal(admin.Contacts({ first }), "BAD_USER_INPUT", "first");
      expect(error.data).toBeNull();
    }
    expect((await admin.Contacts({ first: 100 })).contacts.edges.length).toBeLessThanOrEqual(100);
    const companyCursor = (await admin.Companies({ first: 1 })).companies.pageInfo.endCursor;
    for (const after of ["garbage", "!!!", Buffer.from('["a","b","not-a-uuid"]').toString("base64url"), companyCursor!]) {
      await expectRefusal(admin.Contacts({ after }), "BAD_USER_INPUT", "after");
    }
  });

  it("answers the default page of 20 when first is left out", async () => {
    const group = await customerGroup(admin);
    for (let i = 0; i < 21; i++) await contact(admin, { customerGroupId: group.id });
    const { contacts } = await admin.Contacts({ filter: { customerGroupId: group.id } });
    expect(contacts.edges).toHaveLength(20);
    expect(contacts.pageInfo.hasNextPage).toBe(true);
    expect(contacts.totalCount).toBe(21);
  });

  it("filter.search matches any part of first, last and full name, email and login, case-insensitively", async () => {
    const group = await customerGroup(admin, { portalEnabled: true });
    // Letters beyond hex, so that no search below matches the tag by chance.
    const tag = unique().replace(/[0-9a-f]/g, (c) => "ghijklmnopqrstuv"[parseInt(c, 16)]);
    const ada = (
      await admin.CreateContact({
        input: { firstName: "Ada", lastName: `Lovelace${tag}`, email: `countess.${tag}@analytical.example`, customerGroupId: group.id },
      })
    ).createContact;
    await admin.SetPortalAccess({ input: { contactId: ada.id, login: `enchantress-${tag}` } });
    const grace = await contact(admin, { customerGroupId: group.id, firstName: "Grace", lastName: `Hopper${tag}`, email: `grace.${tag}@navy.example` });

    const search = (text: string) => ids({ search: text, customerGroupId: group.id });
    expect(await search("ada")).toEqual([ada.id]);
    expect(await search("AD")).toEqual([ada.id]);
    expect(await search(`LOVELACE${tag}`)).toEqual([ada.id]);
    expect(await search("ovel")).toEqual([ada.id]);
    expect(await search("Ada Love")).toEqual([ada.id]);
    expect(await search("a lovelace")).toEqual([ada.id]);
    expect(await search("ANALYTICAL")).toEqual([ada.id]);
    expect(await search(`countess.${tag}@`)).toEqual([ada.id]);
    expect(await search("ENCHANTRESS")).toEqual([ada.id]);
    expect(await search(`tress-${tag}`)).toEqual([ada.id]);
    expect(await search("race hop")).toEqual([grace.id]);
    expect(await search(tag)).toEqual([grace.id, ada.id]); // Hopper before Lovelace
    expect(await search("Ada Hopper")).toEqual([]);
    expect(await search("%")).toEqual([]);
    expect(await search("_")).toEqual([]);
    expect((await admin.Contacts({ filter: { search: "ada love", customerGroupId: group.id } })).contacts.totalCount).toBe(1);
  });

  it("filters by companyId, customerGroupId and hasPortalAccount", async () => {
    const group = await customerGroup(admin, { portalEnabled: true });
    const firmA = await company(admin, { customerGroupId: group.id });
    const firmB = await company(admin, { customerGroupId: group.id });
    const a1 = await contact(admin, { companyId: firmA.id });
    const a2 = await contact(admin, { companyId: firmA.id });
    const b1 = await contact(admin, { companyId: firmB.id });
    const direct = await contact(admin, { customerGroupId: group.id });
    await admin.SetPortalAccess({ input: { contactId: a2.id, login: `a2-${unique()}` } });
    await admin.SetPortalAccess({ input: { contactId: direct.id, login: `direct-${unique()}` } });

    const sorted = (list: string[]) => [...list].sort();
    expect(sorted(await ids({ companyId: firmA.id }))).toEqual(sorted([a1.id, a2.id]));
    expect(await ids({ companyId: firmB.id })).toEqual([b1.id]);
    expect(sorted(await ids({ customerGroupId: group.id }))).toEqual(sorted([a1.id, a2.id, b1.id, direct.id]));
    expect(sorted(await ids({ customerGroupId: group.id, hasPortalAccount: true }))).toEqual(sorted([a2.id, direct.id]));
    expect(sorted(await ids({ customerGroupId: group.id, hasPortalAccount: false }))).toEqual(sorted([a1.id, b1.id]));
    expect(await ids({ companyId: firmA.id, hasPortalAccount: true })).toEqual([a2.id]);
    expect(await contactCount({ customerGroupId: group.id, hasPortalAccount: true })).toBe(2);
    expect(await ids({ companyId: unknownId() })).toEqual([]);
    expect(await ids({ customerGroupId: "not-an-id" })).toEqual([]);

    const withAccount = (await admin.Contacts({ filter: { companyId: firmA.id, hasPortalAccount: true } })).contacts.edges[0].node;
    expect(withAccount.portalAccount).toEqual({ login: expect.stringMatching(/^a2-/), enabled: true, locked: false });
  });
});

describe("deleteContact", () => {
  it("deletes the contact with its portal account and sessions, and frees its login", async () => {
    const user = await portalUser(admin);
    const portal = await server.signIn("PORTAL", user.login, user.password);
    expect((await portal.Me()).me).toMatchObject({ id: user.contact.id });

    expect((await admin.DeleteContact({ id: user.contact.id })).deleteContact).toBe(user.contact.id);
    await expectRefusal(portal.Me(), "UNAUTHENTICATED");
    await expectRefusal(server.signIn("PORTAL", user.login, user.password), "INVALID_CREDENTIALS");
    const error = await expectRefusal(admin.Contact({ id: user.contact.id }), "NOT_FOUND");
    expect(error.data).toEqual({ contact: null });
    expect(await ids({ search: user.login })).toEqual([]);
    await expectRefusal(admin.DeleteContact({ id: user.contact.id }), "NOT_FOUND");

    const successor = await contact(admin);
    const { setPortalAccess } = await admin.SetPortalAccess({ input: { contactId: successor.id, login: user.login } });
    expect(setPortalAccess.contact.portalAccount?.login).toBe(user.login);
  });

  it("answers NOT_FOUND for an unknown or malformed id", async () => {
    await expectRefusal(admin.DeleteContact({ id: unknownId() }), "NOT_FOUND");
    await expectRefusal(admin.DeleteContact({ id: "nope" }), "NOT_FOUND");
  });
});

describe("contacts: nested portal-account fields", () => {
  it("reads the page's failure locks in one statement, not one per account", async () => {
    const { id: companyId } = await company(admin);
    for (let i = 0; i < 3; i++) await portalUser(admin, { companyId });
    server.queries.length = 0;
    const { contacts } = await admin.Contacts({ filter: { companyId } });
    expect(contacts.edges.map((e) => e.node.portalAccount?.locked)).toEqual([false, false, false]);
    expect(server.queries.filter((q) => q.includes('"login_throttles"'))).toHaveLength(1);
  });
});
