/**
 * explainCaseAccess: the decision on read, write and append for one contact and one case,
 * with reasons in sentences that name the profile, role, queue and customer group that
 * grant, or the missing piece that denies. The decision must match what the contact
 * really gets through myCases, case(id) and addCaseComment.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExplainCaseAccessQuery, GatehouseClient } from "../../client-sdk/src/index.js";
import { expectRefusal, unknownId } from "../customers/support.js";
import { company, contact, customerGroup, newPassword, portalProfile, portalUser, queue, role, unique } from "../helpers/factories.js";
import { type Matrix, securityMatrix } from "../helpers/principals.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { caseFor, commentOutcome, grant, RWA, reads } from "./support.js";

type Explanation = ExplainCaseAccessQuery["explainCaseAccess"];

let server: TestServer;
let admin: GatehouseClient;
let matrix: Matrix;
const tag = unique();

/** Names chosen so that no name contains another, and the text can be searched for each. */
let w: {
  group: { id: string; name: string };
  otherGroup: { id: string; name: string };
  acme: { id: string; name: string };
  globex: { id: string; name: string };
  q: { id: string; name: string };
  roles: Record<"reader" | "writer" | "appender" | "decoy" | "elsewhere" | "company", { id: string; name: string }>;
  profiles: Record<"full" | "noRead" | "wrongGroup" | "noAppend" | "company", { id: string; name: string }>;
};

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.admin();
  matrix = await securityMatrix(server, admin);
  const group = await customerGroup(admin, { name: `Zeta Customers ${tag}` });
  const otherGroup = await customerGroup(admin, { name: `Omicron Partners ${tag}` });
  const acme = await company(admin, { customerGroupId: group.id, name: `Acme Ltd ${tag}` });
  const globex = await company(admin, { customerGroupId: group.id, name: `Globex Inc ${tag}` });
  const q = await queue(admin, `Helpdesk Second ${tag}`);
  const elsewhereQueue = await queue(admin, `Archive Third ${tag}`);
  const roles = {
    reader: await role(admin, { name: `Reader Role ${tag}`, queuePermissions: [grant(q.id, { read: true })], customerGroupIds: [group.id] }),
    writer: await role(admin, { name: `Writer Role ${tag}`, queuePermissions: [grant(q.id, { write: true })], customerGroupIds: [group.id] }),
    appender: await role(admin, { name: `Appender Role ${tag}`, queuePermissions: [grant(q.id, { append: true })], customerGroupIds: [] }),
    decoy: await role(admin, { name: `Decoy Role ${tag}`, queuePermissions: [grant(elsewhereQueue.id, RWA)], customerGroupIds: [group.id] }),
    elsewhere: await role(admin, { name: `Other Group Role ${tag}`, queuePermissions: [grant(q.id, RWA)], customerGroupIds: [otherGroup.id] }),
    company: await role(admin, {
      name: `Company Role ${tag}`,
      queuePermissions: [grant(q.id, { read: true })],
      customerGroupIds: [group.id],
      accessOwnCompanyCases: true,
    }),
  };
  const profile = (name: string, rs: Array<{ id: string }>) => portalProfile(admin, { name: `${name} ${tag}`, roleIds: rs.map((r) => r.id) });
  const profiles = {
    full: await profile("Full Profile", [roles.reader, roles.writer, roles.appender, roles.decoy]),
    noRead: await profile("NoRead Profile", [roles.writer, roles.appender, roles.decoy]),
    wrongGroup: await profile("WrongGroup Profile", [roles.elsewhere]),
    noAppend: await profile("NoAppend Profile", [roles.reader]),
    company: await profile("Company Profile", [roles.company, roles.appender]),
  };
  w = { group, otherGroup, acme, globex, q, roles, profiles };
});
afterAll(() => server?.close());

/** A signed-in contact of `companyId` with the profile, and a case it reported in the queue. */
async function scenario(profileId: string, companyId = w.acme.id) {
  const u = await portalUser(admin, { companyId, profileId });
  const client = await server.signIn("PORTAL", u.login, u.password);
  const kase = await caseFor(admin, w.q.id, u.contact.id);
  return { contactId: u.contact.id, client, caseId: kase.id, login: u.login };
}

const explain = async (contactId: string, caseId: string) => (await admin.ExplainCaseAccess({ contactId, caseId })).explainCaseAccess;
const text = (e: Explanation) => e.reasons.join(" ");

/** The explanation agrees with what the contact really may do. */
async function agrees(client: GatehouseClient, caseId: string, e: Explanation) {
  expect(await reads(client, caseId)).toBe(e.read);
  const comment = await commentOutcome(client, caseId, "explained");
  expect(comment).toBe(e.append ? "ok" : e.read ? "FORBIDDEN" : "NOT_FOUND");
  const myPermissions = (await client.MyPermissions()).myPermissions.queues.find((x) => x.queue.id === w.q.id);
  expect(myPermissions?.write ?? false).toBe(e.write);
}

describe("grants", () => {
  it("names the profile, the deciding role, the queue and the customer group for read, and the roles for write and append", async () => {
    const s = await scenario(w.profiles.full.id);
    const e = await explain(s.contactId, s.caseId);
    expect(e).toMatchObject({ read: true, write: true, append: true });
    expect(e.reasons.length).toBeGreaterThan(0);
    for (const r of e.reasons) expect(r).toMatch(/[.!]$/);
    const all = text(e);
    for (const name of [w.profiles.full.name, w.roles.reader.name, w.roles.writer.name, w.roles.appender.name, w.q.name, w.group.name]) {
      expect(all).toContain(name);
    }
    // The read sentence names the deciding role, with the queue and the customer group.
    const readReason = e.reasons.find((r) => r.includes(w.roles.reader.name))!;
    expect(readReason).toContain(w.q.name);
    expect(readReason).toContain(w.group.name);
    expect(readReason).toContain(w.profiles.full.name);
    // A role that decides nothing about this case is not named.
    expect(all).not.toContain(w.roles.decoy.name);
    await agrees(s.client, s.caseId, e);
  });

  it("names the role that gives access to the company's cases for a colleague's case", async () => {
    const s = await scenario(w.profiles.company.id);
    const colleague = await scenario(w.profiles.noAppend.id);
    const e = await explain(s.contactId, colleague.caseId);
    expect(e).toMatchObject({ read: true, write: false, append: true });
    const readReason = e.reasons.find((r) => r.includes(w.roles.company.name));
    expect(readReason).toBeDefined();
    expect(readReason).toContain(w.q.name);
    expect(readReason).toContain(w.group.name);
    expect(readReason).toMatch(/compan/i);
    await agrees(s.client, colleague.caseId, e);
  });
});

describe("denials name the missing piece", () => {
  it("no role grants read on the queue", async () => {
    const s = await scenario(w.profiles.noRead.id);
    const e = await explain(s.contactId, s.caseId);
    expect(e).toMatchObject({ read: false, write: true, append: false });
    const denial = e.reasons.find((r) => /read/i.test(r) && r.includes(w.q.name) && !r.includes(w.roles.writer.name));
    expect(denial, text(e)).toBeDefined();
    expect(denial).toContain(w.profiles.noRead.name);
    await agrees(s.client, s.caseId, e);
  });

  it("a role grants read on the queue, but not for the case's customer group", async () => {
    const s = await scenario(w.profiles.wrongGroup.id);
    const e = await explain(s.contactId, s.caseId);
    expect(e).toMatchObject({ read: false, write: true, append: false });
    const denial = e.reasons.find((r) => r.includes(w.group.name));
    expect(denial, text(e)).toBeDefined();
    expect(denial).toContain(w.roles.elsewhere.name);
    expect(denial).toContain(w.q.name);
    await agrees(s.client, s.caseId, e);
  });

  it("the case belongs to another company", async () => {
    const s = await scenario(w.profiles.company.id);
    const foreign = await scenario(w.profiles.full.id, w.globex.id);
    const e = await explain(s.contactId, foreign.caseId);
    expect(e).toMatchObject({ read: false, write: false, append: false });
    expect(text(e)).toMatch(/compan/i);
    await agrees(s.client, foreign.caseId, e);
  });

  it("a colleague's case, without a role that gives access to the company's cases", async () => {
    const s = await scenario(w.profiles.full.id);
    const colleague = await scenario(w.profiles.full.id);
    const e = await explain(s.contactId, colleague.caseId);
    expect(e).toMatchObject({ read: false, write: true, append: false });
    expect(text(e)).toMatch(/compan/i);
    expect(text(e)).toContain(w.profiles.full.name);
    await agrees(s.client, colleague.caseId, e);
  });

  it("reads the case, but no role grants append on the queue", async () => {
    const s = await scenario(w.profiles.noAppend.id);
    const e = await explain(s.contactId, s.caseId);
    expect(e).toMatchObject({ read: true, write: false, append: false });
    const denial = e.reasons.find((r) => /append/i.test(r) && !r.includes(w.roles.reader.name));
    expect(denial, text(e)).toBeDefined();
    expect(denial).toContain(w.q.name);
    await agrees(s.client, s.caseId, e);
  });
});

describe("contacts that may do nothing", () => {
  const nothing = { read: false, write: false, append: false };

  it("a contact without a portal account", async () => {
    const person = await contact(admin, { companyId: w.acme.id });
    const kase = await caseFor(admin, w.q.id, person.id);
    const e = await explain(person.id, kase.id);
    expect(e).toMatchObject(nothing);
    expect(text(e)).toMatch(/portal account/i);
  });

  it("a contact whose portal access is disabled", async () => {
    const s = await scenario(w.profiles.full.id);
    await admin.SetPortalAccess({ input: { contactId: s.contactId, enabled: false } });
    const e = await explain(s.contactId, s.caseId);
    expect(e).toMatchObject(nothing);
    expect(text(e)).toMatch(/disabled/i);
  });

  it("a contact whose customer group is not portal-enabled", async () => {
    const g = await customerGroup(admin, { name: `Leaving ${unique()}` });
    const firm = await company(admin, { customerGroupId: g.id });
    const u = await portalUser(admin, { companyId: firm.id, profileId: w.profiles.full.id });
    const kase = await caseFor(admin, w.q.id, u.contact.id);
    await admin.UpdateCustomerGroup({ input: { id: g.id, portalEnabled: false } });
    const e = await explain(u.contact.id, kase.id);
    expect(e).toMatchObject(nothing);
    expect(text(e)).toContain(g.name);
    expect(text(e)).toMatch(/portal/i);
    expect(text(e)).not.toMatch(/disabled/i);
  });

  it("a contact without a profile", async () => {
    const person = await contact(admin, { companyId: w.acme.id });
    await admin.SetPortalAccess({ input: { contactId: person.id, login: `np-${unique()}`, password: newPassword() } });
    const kase = await caseFor(admin, w.q.id, person.id);
    const e = await explain(person.id, kase.id);
    expect(e).toMatchObject(nothing);
    expect(text(e)).toMatch(/profile/i);
  });

  it("the four reasons are different sentences", async () => {
    const none = await contact(admin, { companyId: w.acme.id });
    const disabled = await scenario(w.profiles.full.id);
    await admin.SetPortalAccess({ input: { contactId: disabled.contactId, enabled: false } });
    const noProfile = await contact(admin, { companyId: w.acme.id });
    await admin.SetPortalAccess({ input: { contactId: noProfile.id, login: `np-${unique()}`, password: newPassword() } });
    const g = await customerGroup(admin);
    const off = await portalUser(admin, { companyId: (await company(admin, { customerGroupId: g.id })).id, profileId: w.profiles.full.id });
    await admin.UpdateCustomerGroup({ input: { id: g.id, portalEnabled: false } });
    const kase = disabled.caseId;
    const reasons = await Promise.all([none.id, disabled.contactId, noProfile.id, off.contact.id].map(async (id) => text(await explain(id, kase))));
    // Strip the contacts' own names, which differ anyway.
    expect(new Set(reasons.map((r) => r.replace(/Ada Lovelace-[0-9a-f]+/g, "X"))).size).toBe(4);
  });
});

describe("refusals", () => {
  it("NOT_FOUND for an unknown, malformed or foreign contact or case, with null data", async () => {
    const s = await scenario(w.profiles.full.id);
    const other = matrix.otherOrganisation;
    const foreignGroup = (await other.CreateCustomerGroup({ input: { name: `F ${unique()}`, portalEnabled: true } })).createCustomerGroup;
    const foreignContact = (await other.CreateContact({ input: { firstName: "F", lastName: "F", customerGroupId: foreignGroup.id } })).createContact;
    for (const [contactId, caseId] of [
      [unknownId(), s.caseId],
      ["nope", s.caseId],
      [foreignContact.id, s.caseId],
      [s.contactId, unknownId()],
      [s.contactId, "nope"],
    ]) {
      const error = await expectRefusal(admin.ExplainCaseAccess({ contactId, caseId }), "NOT_FOUND");
      expect(error.data ?? null).toBeNull();
    }
    // The other organisation cannot ask about this one's contact or case.
    await expectRefusal(other.ExplainCaseAccess({ contactId: s.contactId, caseId: s.caseId }), "NOT_FOUND");
  });

  it("is for staff only: portal FORBIDDEN, anonymous UNAUTHENTICATED; a plain staff user may ask", async () => {
    const s = await scenario(w.profiles.full.id);
    await expectRefusal(matrix.portal.ExplainCaseAccess({ contactId: s.contactId, caseId: s.caseId }), "FORBIDDEN");
    await expectRefusal(s.client.ExplainCaseAccess({ contactId: s.contactId, caseId: s.caseId }), "FORBIDDEN");
    await expectRefusal(matrix.anonymous.ExplainCaseAccess({ contactId: s.contactId, caseId: s.caseId }), "UNAUTHENTICATED");
    expect((await matrix.staff.ExplainCaseAccess({ contactId: s.contactId, caseId: s.caseId })).explainCaseAccess.read).toBe(true);
  });
});
