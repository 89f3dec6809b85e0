/**
 * The access rule of ../shared/contract/access.graphql, branch by branch, through HTTP:
 * every read is checked through myCases AND case(id) (they must agree), and append through
 * addCaseComment.
 *
 *   READ   iff one role R of the profile grants read on the case's queue, the case's customer
 *          group is among R's groups, and (the case is the contact's own, or
 *          R.accessOwnCompanyCases and the case is of the contact's company);
 *   WRITE  iff a role grants write on the queue;
 *   APPEND iff READ and any role grants append on the case's queue.
 */
import { count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { cases as casesTable } from "../../src/db/schema/index.js";
import { expectRefusal, unknownId } from "../customers/support.js";
import { company, contact, customerGroup, newPassword, portalProfile, portalUser, queue, role, unique } from "../helpers/factories.js";
import { signInStaff, staffUser } from "../helpers/principals.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { caseFor, caseReadable, commentOutcome, commentsOf, grant, myCaseIds, NONE, RWA, reads } from "./support.js";

let server: TestServer;
let admin: GatehouseClient;
const tag = unique();

type Person = { id: string; login: string; password: string; profileId: string; client: GatehouseClient };
type Named = { id: string; name: string };

/** The world every test reads; tests that change grants make roles and contacts of their own. */
let w: {
  gIn: Named;
  gOut: Named;
  acme: Named;
  globex: Named;
  outCo: Named;
  q: Record<"full" | "noRead" | "readOnly" | "split" | "none" | "allFalse" | "companyRead", Named>;
  roles: Record<"main" | "append" | "company" | "companyElsewhere" | "all" | "groupOnly" | "queueOnly" | "out", Named>;
  profiles: Record<"main" | "company" | "mixed" | "everything" | "splitGrant" | "out", Named>;
  /** alice, cora, walt: pMain; bob: pCompany; mia: pMixed; sam: pSplitGrant (acme). oscar: pEverything (globex). gina: pMain, gus: pOut (outCo). */
  p: Record<"alice" | "bob" | "cora" | "mia" | "sam" | "walt" | "oscar" | "gina" | "gus", Person>;
  c: Record<
    | "aliceFull"
    | "aliceNoRead"
    | "aliceReadOnly"
    | "aliceSplit"
    | "aliceNone"
    | "aliceAllFalse"
    | "bobFull"
    | "coraFull"
    | "coraReadOnly"
    | "oscarFull"
    | "ginaFull"
    | "gusFull"
    | "samFull",
    string
  >;
};

async function person(companyId: string, profileId: string): Promise<Person> {
  const u = await portalUser(admin, { companyId, profileId });
  return { id: u.contact.id, login: u.login, password: u.password, profileId, client: await server.signIn("PORTAL", u.login, u.password) };
}

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.admin();
  const gIn = await customerGroup(admin, { name: `Covered ${tag}` });
  const gOut = await customerGroup(admin, { name: `Uncovered ${tag}` });
  const acme = await company(admin, { customerGroupId: gIn.id, name: `Acme ${tag}` });
  const globex = await company(admin, { customerGroupId: gIn.id, name: `Globex ${tag}` });
  const outCo = await company(admin, { customerGroupId: gOut.id, name: `Outside ${tag}` });
  const q = {
    full: await queue(admin, `Full ${tag}`),
    noRead: await queue(admin, `NoRead ${tag}`),
    readOnly: await queue(admin, `ReadOnly ${tag}`),
    split: await queue(admin, `Split ${tag}`),
    none: await queue(admin, `None ${tag}`),
    allFalse: await queue(admin, `AllFalse ${tag}`),
    companyRead: await queue(admin, `CompanyRead ${tag}`),
  };
  const roles = {
    main: await role(admin, {
      name: `Main ${tag}`,
      queuePermissions: [
        grant(q.full.id, RWA),
        grant(q.noRead.id, { write: true, append: true }),
        grant(q.readOnly.id, { read: true }),
        grant(q.split.id, { read: true }),
        grant(q.companyRead.id, { read: true }),
      ],
      customerGroupIds: [gIn.id],
    }),
    // Append on the split queue, from a role that covers no customer group at all.
    append: await role(admin, {
      name: `Append ${tag}`,
      queuePermissions: [grant(q.split.id, { append: true }), grant(q.allFalse.id, NONE)],
      customerGroupIds: [],
    }),
    company: await role(admin, {
      name: `Company ${tag}`,
      queuePermissions: [grant(q.full.id, { read: true })],
      customerGroupIds: [gIn.id],
      accessOwnCompanyCases: true,
    }),
    companyElsewhere: await role(admin, {
      name: `CompanyElsewhere ${tag}`,
      queuePermissions: [grant(q.readOnly.id, { read: true })],
      customerGroupIds: [gIn.id],
      accessOwnCompanyCases: true,
    }),
    all: await role(admin, {
      name: `All ${tag}`,
      queuePermissions: Object.values(q).map((x) => grant(x.id, RWA)),
      customerGroupIds: [gIn.id, gOut.id],
      accessOwnCompanyCases: true,
    }),
    groupOnly: await role(admin, { name: `GroupOnly ${tag}`, queuePermissions: [], customerGroupIds: [gIn.id] }),
    queueOnly: await role(admin, { name: `QueueOnly ${tag}`, queuePermissions: [grant(q.full.id, RWA)], customerGroupIds: [gOut.id] }),
    out: await role(admin, { name: `Out ${tag}`, queuePermissions: [grant(q.full.id, RWA)], customerGroupIds: [gOut.id] }),
  };
  const profile = (name: string, rs: Named[]) => portalProfile(admin, { name: `${name} ${tag}`, roleIds: rs.map((r) => r.id) });
  const profiles = {
    main: await profile("pMain", [roles.main, roles.append]),
    company: await profile("pCompany", [roles.main, roles.append, roles.company]),
    mixed: await profile("pMixed", [roles.main, roles.companyElsewhere]),
    everything: await profile("pEverything", [roles.all]),
    splitGrant: await profile("pSplitGrant", [roles.groupOnly, roles.queueOnly]),
    out: await profile("pOut", [roles.out]),
  };
  const p = {
    alice: await person(acme.id, profiles.main.id),
    bob: await person(acme.id, profiles.company.id),
    cora: await person(acme.id, profiles.main.id),
    mia: await person(acme.id, profiles.mixed.id),
    sam: await person(acme.id, profiles.splitGrant.id),
    walt: await person(acme.id, profiles.main.id),
    oscar: await person(globex.id, profiles.everything.id),
    gina: await person(outCo.id, profiles.main.id),
    gus: await person(outCo.id, profiles.out.id),
  };
  const kase = async (queueId: string, who: Person) => (await caseFor(admin, queueId, who.id)).id;
  const c = {
    aliceFull: await kase(q.full.id, p.alice),
    aliceNoRead: await kase(q.noRead.id, p.alice),
    aliceReadOnly: await kase(q.readOnly.id, p.alice),
    aliceSplit: await kase(q.split.id, p.alice),
    aliceNone: await kase(q.none.id, p.alice),
    aliceAllFalse: await kase(q.allFalse.id, p.alice),
    bobFull: await kase(q.full.id, p.bob),
    coraFull: await kase(q.full.id, p.cora),
    coraReadOnly: await kase(q.readOnly.id, p.cora),
    oscarFull: await kase(q.full.id, p.oscar),
    ginaFull: await kase(q.full.id, p.gina),
    gusFull: await kase(q.full.id, p.gus),
    samFull: await kase(q.full.id, p.sam),
  };
  w = { gIn, gOut, acme, globex, outCo, q, roles, profiles, p, c };
});
afterAll(() => server?.close());

describe("read: the contact's own cases", () => {
  it("reads its own case where a role grants read on the queue for its customer group", async () => {
    expect(await reads(w.p.alice.client, w.c.aliceFull)).toBe(true);
    expect(await reads(w.p.cora.client, w.c.coraFull)).toBe(true);
  });

  it("myCases lists exactly the cases the rule allows, newest first, with queue and reporter", async () => {
    const { myCases } = await w.p.alice.client.MyCases({ first: 100 });
    expect(new Set(myCases.edges.map((e) => e.node.id))).toEqual(new Set([w.c.aliceFull, w.c.aliceReadOnly, w.c.aliceSplit]));
    expect(myCases.totalCount).toBe(3);
    const times = myCases.edges.map((e) => Date.parse(e.node.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const full = myCases.edges.find((e) => e.node.id === w.c.aliceFull)!.node;
    expect(full.queue).toEqual({ id: w.q.full.id, name: w.q.full.name });
    expect(full.contact.id).toBe(w.p.alice.id);
  });

  it("pages through the same cases with first: 1 as with first: 100", async () => {
    const ids: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const { myCases } = await w.p.alice.client.MyCases({ first: 1, after });
      expect(myCases.edges.length).toBeLessThanOrEqual(1);
      expect(myCases.totalCount).toBe(3);
      ids.push(...myCases.edges.map((e) => e.node.id));
      if (!myCases.pageInfo.hasNextPage) break;
      after = myCases.pageInfo.endCursor;
    }
    expect(ids).toEqual(await myCaseIds(w.p.alice.client));
  });

  it("pages lose and repeat no case when several cases share a millisecond (timestamps keep microseconds)", async () => {
    const reporter = await person(w.acme.id, w.profiles.main.id);
    const [row] = await server.db.select().from(casesTable).where(eq(casesTable.id, w.c.aliceFull));
    // Concurrent creations (or one transaction's inserts) can land within one millisecond, or at the same instant.
    const stamps = ["2030-01-01T00:00:00.123456Z", "2030-01-01T00:00:00.123400Z", "2030-01-01T00:00:00.123300Z", "2030-01-01T00:00:00.500500Z", "2030-01-01T00:00:00.500500Z"];
    const inserted = await server.db
      .insert(casesTable)
      .values(stamps.map((at, i) => ({ ...row, id: undefined, number: undefined, contactId: reporter.id, subject: `Same ms ${i}`, createdAt: sql`${at}::timestamptz` as unknown as Date })))
      .returning({ id: casesTable.id });
    const ids: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const { myCases } = await reporter.client.MyCases({ first: 1, after });
      ids.push(...myCases.edges.map((e) => e.node.id));
      if (!myCases.pageInfo.hasNextPage) break;
      after = myCases.pageInfo.endCursor;
    }
    expect(ids).toEqual(await myCaseIds(reporter.client));
    expect(new Set(ids)).toEqual(new Set(inserted.map((c) => c.id)));
    // The staff list pages the same way.
    const staffIds: string[] = [];
    after = null;
    for (let i = 0; i < 10; i++) {
      type StaffPage = { cases: { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: Array<{ node: { id: string } }> } };
      const res: { data?: StaffPage | null; errors?: unknown[] } = await admin.execute<StaffPage>(
        "query ($after: String, $contactId: ID) { cases(first: 2, after: $after, filter: { contactId: $contactId }) { pageInfo { hasNextPage endCursor } edges { node { id } } } }",
        { after, contactId: reporter.id },
      );
      expect(res.errors).toBeUndefined();
      staffIds.push(...res.data!.cases.edges.map((e) => e.node.id));
      if (!res.data!.cases.pageInfo.hasNextPage) break;
      after = res.data!.cases.pageInfo.endCursor;
    }
    expect(staffIds).toEqual(ids);
  });

  it("refuses first outside 1..100 and an undecodable cursor with BAD_USER_INPUT", async () => {
    await expectRefusal(w.p.alice.client.MyCases({ first: 0 }), "BAD_USER_INPUT", "first");
    await expectRefusal(w.p.alice.client.MyCases({ first: 101 }), "BAD_USER_INPUT", "first");
    await expectRefusal(w.p.alice.client.MyCases({ after: "not-a-cursor" }), "BAD_USER_INPUT", "after");
  });

  it("case(id) answers NOT_FOUND with null data for an unknown or malformed id", async () => {
    expect(await caseReadable(w.p.alice.client, unknownId())).toBe(false);
    expect(await caseReadable(w.p.alice.client, "not-an-id")).toBe(false);
  });
});

describe("read: company cases", () => {
  it("reads a colleague's case when the role granting read has accessOwnCompanyCases", async () => {
    expect(await reads(w.p.bob.client, w.c.coraFull)).toBe(true);
  });

  it("does not read a colleague's case without accessOwnCompanyCases", async () => {
    expect(await reads(w.p.alice.client, w.c.coraFull)).toBe(false);
    expect(await reads(w.p.cora.client, w.c.aliceFull)).toBe(false);
    expect(await reads(w.p.alice.client, w.c.bobFull)).toBe(false);
  });

  it("needs accessOwnCompanyCases on the role that grants read, not on another role of the profile", async () => {
    // mia: Main grants read on Full and ReadOnly (no company access); CompanyElsewhere grants read on ReadOnly with it.
    expect(await reads(w.p.mia.client, w.c.coraFull)).toBe(false);
    expect(await reads(w.p.mia.client, w.c.coraReadOnly)).toBe(true);
    // bob: Company has company access but grants read on Full only.
    expect(await reads(w.p.bob.client, w.c.coraReadOnly)).toBe(false);
  });

  it("never reaches cases of another company, nor of another customer group", async () => {
    for (const id of [w.c.oscarFull, w.c.ginaFull, w.c.gusFull]) expect(await reads(w.p.bob.client, id)).toBe(false);
  });

  it("a contact of ANOTHER company never sees a case, even with every permission on every queue and group", async () => {
    const oscar = w.p.oscar.client;
    expect(await reads(oscar, w.c.oscarFull)).toBe(true);
    const foreign = Object.entries(w.c).filter(([name]) => !name.startsWith("oscar")).map(([, id]) => id);
    const listed = await myCaseIds(oscar);
    const companyScope = await myCaseIds(oscar, "COMPANY");
    for (const id of foreign) {
      expect(listed).not.toContain(id);
      expect(companyScope).not.toContain(id);
      expect(await caseReadable(oscar, id)).toBe(false);
      expect(await commentOutcome(oscar, id)).toBe("NOT_FOUND");
    }
    const perms = (await oscar.MyPermissions()).myPermissions;
    expect(perms.accessOwnCompanyCases).toBe(true);
    expect(perms.queues).toHaveLength(Object.keys(w.q).length);
  });

  it("a contact without a company reads only its own cases, even with accessOwnCompanyCases", async () => {
    const loner = await contact(admin, { customerGroupId: w.gIn.id });
    const other = await contact(admin, { customerGroupId: w.gIn.id });
    const login = `loner-${unique()}`;
    const password = newPassword();
    await admin.SetPortalAccess({ input: { contactId: loner.id, login, password, profileId: w.profiles.everything.id } });
    const own = (await caseFor(admin, w.q.full.id, loner.id)).id;
    const others = (await caseFor(admin, w.q.full.id, other.id)).id;
    const client = await server.signIn("PORTAL", login, password);
    expect(await reads(client, own)).toBe(true);
    expect(await reads(client, others)).toBe(false);
    expect(await myCaseIds(client)).toEqual([own]);
  });
});

describe("read: queues and customer groups", () => {
  it("a queue no role grants read on is invisible: myCases leaves it out, case and addCaseComment are NOT_FOUND", async () => {
    for (const id of [w.c.aliceNone, w.c.aliceAllFalse]) {
      expect(await reads(w.p.alice.client, id)).toBe(false);
      expect(await commentOutcome(w.p.alice.client, id)).toBe("NOT_FOUND");
    }
  });

  it("a case whose customer group is not among the role's groups is invisible, even the contact's own", async () => {
    expect(await reads(w.p.gina.client, w.c.ginaFull)).toBe(false);
    expect(await commentOutcome(w.p.gina.client, w.c.ginaFull)).toBe("NOT_FOUND");
    // The same queue and company, with a role that covers the group: readable.
    expect(await reads(w.p.gus.client, w.c.gusFull)).toBe(true);
  });

  it("read on the queue and the customer group must come from the same role", async () => {
    // sam: GroupOnly covers its group but grants nothing; QueueOnly grants read on Full for another group.
    expect(await reads(w.p.sam.client, w.c.samFull)).toBe(false);
    expect(await commentOutcome(w.p.sam.client, w.c.samFull)).toBe("NOT_FOUND");
  });
});

describe("write", () => {
  it("creates a case where a role grants write: the caller is its reporter, and it reads it back", async () => {
    const { createCase } = await w.p.walt.client.CreateCase({ input: { queueId: w.q.full.id, subject: "Printer on fire", description: "Really" } });
    expect(createCase).toMatchObject({ subject: "Printer on fire", status: "OPEN", queue: { id: w.q.full.id } });
    expect(await reads(w.p.walt.client, createCase.id)).toBe(true);
    const { case: kase } = await w.p.walt.client.Case({ id: createCase.id });
    expect(kase).toMatchObject({ description: "Really", contact: { id: w.p.walt.id }, comments: [] });
  });

  it("write without read: createCase works, but the created case is not readable", async () => {
    const { createCase } = await w.p.walt.client.CreateCase({ input: { queueId: w.q.noRead.id, subject: "Blind drop" } });
    expect(createCase.queue.id).toBe(w.q.noRead.id);
    expect(await reads(w.p.walt.client, createCase.id)).toBe(false);
    expect(await commentOutcome(w.p.walt.client, createCase.id)).toBe("NOT_FOUND");
    // It exists, reported by walt.
    expect((await admin.Case({ id: createCase.id })).case!.contact.id).toBe(w.p.walt.id);
  });

  it("write is per queue: a role granting write lets the contact create even where it covers not the contact's group", async () => {
    // gina's profile grants write on Full, but its roles cover only the other customer group.
    const { createCase } = await w.p.gina.client.CreateCase({ input: { queueId: w.q.full.id, subject: "Outside the groups" } });
    expect(await reads(w.p.gina.client, createCase.id)).toBe(false);
    expect((await admin.Case({ id: createCase.id })).case!.contact.id).toBe(w.p.gina.id);
  });

  it("createCase on a queue without write is FORBIDDEN, and writes nothing", async () => {
    const before = (await admin.Cases({ first: 1, filter: { queueId: w.q.readOnly.id } })).cases.totalCount;
    await expectRefusal(w.p.walt.client.CreateCase({ input: { queueId: w.q.readOnly.id, subject: "No" } }), "FORBIDDEN");
    await expectRefusal(w.p.walt.client.CreateCase({ input: { queueId: w.q.none.id, subject: "No" } }), "FORBIDDEN");
    expect((await admin.Cases({ first: 1, filter: { queueId: w.q.readOnly.id } })).cases.totalCount).toBe(before);
  });

  it("createCase on an unknown, malformed or foreign queue is BAD_USER_INPUT on queueId", async () => {
    await expectRefusal(w.p.walt.client.CreateCase({ input: { queueId: unknownId(), subject: "No" } }), "BAD_USER_INPUT", "queueId");
    await expectRefusal(w.p.walt.client.CreateCase({ input: { queueId: "nope", subject: "No" } }), "BAD_USER_INPUT", "queueId");
    const foreignAdmin = await signInStaff(server, await staffUser(server, { organisationSlug: `other-${unique()}`, superUser: true }));
    const foreignQueue = (await foreignAdmin.CreateQueue({ input: { name: `Foreign ${tag}` } })).createQueue;
    await expectRefusal(w.p.walt.client.CreateCase({ input: { queueId: foreignQueue.id, subject: "No" } }), "BAD_USER_INPUT", "queueId");
  });

  it("a portal user cannot report a case for someone else", async () => {
    const attempt = await w.p.walt.client
      .CreateCase({ input: { queueId: w.q.full.id, subject: "On behalf", contactId: w.p.alice.id } })
      .then((r) => ({ ok: true as const, id: r.createCase.id }))
      .catch((error) => ({ ok: false as const, error }));
    if (attempt.ok) {
      // Accepted: then the caller is the reporter anyway.
      expect((await admin.Case({ id: attempt.id })).case!.contact.id).toBe(w.p.walt.id);
    } else {
      expect(attempt.error.errors.map((e: any) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
      expect(attempt.error.field).toBe("contactId");
    }
    expect(await myCaseIds(w.p.alice.client)).not.toContain(attempt.ok ? attempt.id : "none");
  });
});

describe("append", () => {
  it("comments on its own readable case where a role grants append; the comment shows in case(id)", async () => {
    const body = `Any news? ${unique()}`;
    expect(await commentOutcome(w.p.alice.client, w.c.aliceFull, body)).toBe("ok");
    const { case: kase } = await w.p.alice.client.Case({ id: w.c.aliceFull });
    expect(kase!.comments.map((c) => c.body)).toContain(body);
    expect(kase!.comments.find((c) => c.body === body)!.author).toEqual({ __typename: "Contact" });
  });

  it("a readable case shows staff and colleagues' comments to the portal user, authors by kind only", async () => {
    await admin.AddCaseComment({ input: { caseId: w.c.coraFull, body: "from support" } });
    expect(await commentOutcome(w.p.bob.client, w.c.coraFull, "from colleague bob")).toBe("ok");
    const { case: kase } = await w.p.cora.client.Case({ id: w.c.coraFull });
    const byBody = Object.fromEntries(kase!.comments.map((c) => [c.body, c.author]));
    expect(byBody["from support"]).toEqual({ __typename: "User" });
    expect(byBody["from colleague bob"]).toEqual({ __typename: "Contact" });
  });

  it("append without read: addCaseComment is NOT_FOUND, and nothing is written", async () => {
    expect(await commentOutcome(w.p.alice.client, w.c.aliceNoRead)).toBe("NOT_FOUND");
    expect(await commentsOf(admin, w.c.aliceNoRead)).toEqual([]);
  });

  it("read without append: addCaseComment is FORBIDDEN, and nothing is written", async () => {
    expect(await reads(w.p.alice.client, w.c.aliceReadOnly)).toBe(true);
    expect(await commentOutcome(w.p.alice.client, w.c.aliceReadOnly)).toBe("FORBIDDEN");
    expect(await commentsOf(admin, w.c.aliceReadOnly)).toEqual([]);
  });

  it("append granted by a different role than read is allowed (that role needs no customer group)", async () => {
    expect(await reads(w.p.alice.client, w.c.aliceSplit)).toBe(true);
    expect(await commentOutcome(w.p.alice.client, w.c.aliceSplit, "split")).toBe("ok");
    expect((await commentsOf(admin, w.c.aliceSplit)).map((c) => c.body)).toEqual(["split"]);
  });

  it("a company case read through accessOwnCompanyCases takes comments when any role grants append", async () => {
    expect(await commentOutcome(w.p.bob.client, w.c.coraFull, "from bob")).toBe("ok");
    // mia reads cora's ReadOnly case, but no role of hers grants append there.
    expect(await commentOutcome(w.p.mia.client, w.c.coraReadOnly)).toBe("FORBIDDEN");
  });

  it("addCaseComment on an unknown or malformed case is NOT_FOUND; an empty body is BAD_USER_INPUT", async () => {
    expect(await commentOutcome(w.p.alice.client, unknownId())).toBe("NOT_FOUND");
    expect(await commentOutcome(w.p.alice.client, "nope")).toBe("NOT_FOUND");
    await expectRefusal(w.p.alice.client.AddCaseComment({ input: { caseId: w.c.aliceFull, body: "  " } }), "BAD_USER_INPUT", "body");
  });
});

describe("scope", () => {
  it("OWN lists only the cases the contact reported", async () => {
    expect(new Set(await myCaseIds(w.p.bob.client, "OWN"))).toEqual(new Set([w.c.bobFull]));
    expect(new Set(await myCaseIds(w.p.alice.client, "OWN"))).toEqual(new Set(await myCaseIds(w.p.alice.client)));
  });

  it("COMPANY lists the readable cases of the contact's company, its own included", async () => {
    const bobs = await myCaseIds(w.p.bob.client, "COMPANY");
    expect(bobs).toEqual(expect.arrayContaining([w.c.bobFull, w.c.coraFull]));
    for (const id of [w.c.coraReadOnly, w.c.oscarFull, w.c.ginaFull, w.c.aliceNone]) expect(bobs).not.toContain(id);
    for (const id of bobs) expect(await caseReadable(w.p.bob.client, id)).toBe(true);
    const mias = await myCaseIds(w.p.mia.client, "COMPANY");
    expect(mias).toContain(w.c.coraReadOnly);
    expect(mias).not.toContain(w.c.coraFull);
  });

  it("COMPANY is FORBIDDEN when no role of the profile has accessOwnCompanyCases", async () => {
    await expectRefusal(w.p.alice.client.MyCases({ scope: "COMPANY" }), "FORBIDDEN");
    await expectRefusal(w.p.gina.client.MyCases({ scope: "COMPANY" }), "FORBIDDEN");
  });
});

describe("changes apply to the next request of an existing session", () => {
  it("UpdateRole removing read (or the customer group) hides the case at once; restoring it shows it again", async () => {
    const r = await role(admin, { queuePermissions: [grant(w.q.full.id, { read: true, append: true })], customerGroupIds: [w.gIn.id] });
    const tina = await person(w.acme.id, (await portalProfile(admin, { roleIds: [r.id] })).id);
    const id = (await caseFor(admin, w.q.full.id, tina.id)).id;
    expect(await reads(tina.client, id)).toBe(true);

    await admin.UpdateRole({ input: { id: r.id, queuePermissions: [grant(w.q.full.id, { append: true })] } });
    expect(await reads(tina.client, id)).toBe(false);
    expect(await commentOutcome(tina.client, id)).toBe("NOT_FOUND");
    expect((await tina.client.MyPermissions()).myPermissions.queues).toEqual([
      { queue: { id: w.q.full.id, name: w.q.full.name }, read: false, write: false, append: true },
    ]);

    await admin.UpdateRole({ input: { id: r.id, queuePermissions: [grant(w.q.full.id, { read: true, append: true })] } });
    expect(await reads(tina.client, id)).toBe(true);

    await admin.UpdateRole({ input: { id: r.id, customerGroupIds: [] } });
    expect(await reads(tina.client, id)).toBe(false);
    await admin.UpdateRole({ input: { id: r.id, customerGroupIds: [w.gIn.id] } });
    expect(await reads(tina.client, id)).toBe(true);
  });

  it("UpdatePortalProfile taking the role away hides the case at once", async () => {
    const r = await role(admin, { queuePermissions: [grant(w.q.full.id, RWA)], customerGroupIds: [w.gIn.id] });
    const profile = await portalProfile(admin, { roleIds: [r.id] });
    const tom = await person(w.acme.id, profile.id);
    const id = (await caseFor(admin, w.q.full.id, tom.id)).id;
    expect(await reads(tom.client, id)).toBe(true);
    await admin.UpdatePortalProfile({ input: { id: profile.id, roleIds: [] } });
    expect(await reads(tom.client, id)).toBe(false);
    expect((await tom.client.MyPermissions()).myPermissions.queues).toEqual([]);
    await admin.UpdatePortalProfile({ input: { id: profile.id, roleIds: [r.id] } });
    expect(await reads(tom.client, id)).toBe(true);
  });

  it("giving an account another profile changes what its session sees at once", async () => {
    const uma = await person(w.acme.id, w.profiles.main.id);
    const colleague = w.c.coraFull;
    expect(await reads(uma.client, colleague)).toBe(false);
    await admin.SetPortalAccess({ input: { contactId: uma.id, profileId: w.profiles.company.id } });
    expect(await reads(uma.client, colleague)).toBe(true);
  });

  it("profile removed mid-session: the next request is UNAUTHENTICATED, and sign-in is ACCOUNT_DISABLED", async () => {
    const vic = await person(w.acme.id, w.profiles.main.id);
    expect((await vic.client.MyCases({ first: 1 })).myCases).toBeDefined();
    await admin.SetPortalAccess({ input: { contactId: vic.id, profileId: null } });
    await expectRefusal(vic.client.MyCases({ first: 1 }), "UNAUTHENTICATED");
    await expectRefusal(vic.client.Me(), "UNAUTHENTICATED");
    const refused = await expectRefusal(server.signIn("PORTAL", vic.login, vic.password), "ACCOUNT_DISABLED");
    expect(refused.message).toMatch(/profile/i);
    // With a profile again, it signs in.
    await admin.SetPortalAccess({ input: { contactId: vic.id, profileId: w.profiles.main.id } });
    const again = await server.signIn("PORTAL", vic.login, vic.password);
    expect((await again.MyCases({ first: 1 })).myCases.totalCount).toBe(0);
  });

  it("a contact without a profile cannot sign in: ACCOUNT_DISABLED saying so (after the password was right)", async () => {
    const person = await contact(admin, { companyId: w.acme.id });
    const login = `noprofile-${unique()}`;
    const password = newPassword();
    await admin.SetPortalAccess({ input: { contactId: person.id, login, password } });
    expect((await admin.Contact({ id: person.id })).contact!.portalAccount!.profile).toBeNull();
    const refused = await expectRefusal(server.signIn("PORTAL", login, password), "ACCOUNT_DISABLED");
    expect(refused.message).toMatch(/profile/i);
    await expectRefusal(server.signIn("PORTAL", login, newPassword()), "INVALID_CREDENTIALS");
  });
});

describe("staff", () => {
  /** A staff user created through the API with the given roles, signed in. */
  async function staffWith(roleIds: string[]) {
    const username = `staff-${unique()}`;
    const password = newPassword();
    const { createUser } = await admin.CreateUser({ input: { username, firstName: "Sam", lastName: "Support", password, roleIds } });
    expect(createUser.roles.map((r) => r.id).sort()).toEqual([...roleIds].sort());
    return { id: createUser.id, client: await server.signIn("STAFF", username, password) };
  }

  it("sees through its roles exactly the cases in granted queues AND covered customer groups, of every company", async () => {
    const s1 = await queue(admin, `Staff granted ${unique()}`);
    const s2 = await queue(admin, `Staff not granted ${unique()}`);
    const r = await role(admin, { queuePermissions: [grant(s1.id, { read: true }), grant(s2.id, { write: true, append: true })], customerGroupIds: [w.gIn.id] });
    const staff = await staffWith([r.id]);
    const visible = [await caseFor(admin, s1.id, w.p.alice.id), await caseFor(admin, s1.id, w.p.oscar.id), await caseFor(admin, s1.id, w.p.bob.id)];
    const invisible = [await caseFor(admin, s1.id, w.p.gina.id), await caseFor(admin, s2.id, w.p.alice.id)];
    const { cases } = await staff.client.Cases({ first: 100 });
    expect(new Set(cases.edges.map((e) => e.node.id))).toEqual(new Set(visible.map((c) => c.id)));
    expect(cases.totalCount).toBe(visible.length);
    for (const c of visible) expect(await caseReadable(staff.client, c.id)).toBe(true);
    for (const c of invisible) expect(await caseReadable(staff.client, c.id)).toBe(false);
    // Filters narrow within what the roles allow.
    const filtered = await staff.client.Cases({ first: 100, filter: { companyId: w.globex.id } });
    expect(filtered.cases.edges.map((e) => e.node.id)).toEqual([visible[1].id]);
    // Read without append: FORBIDDEN; append without read: NOT_FOUND.
    expect(await commentOutcome(staff.client, visible[0].id)).toBe("FORBIDDEN");
    expect(await commentOutcome(staff.client, invisible[1].id)).toBe("NOT_FOUND");
  });

  it("a staff user without roles sees no case; a role given with UpdateUser applies to its next request", async () => {
    const s = await queue(admin, `Staff later ${unique()}`);
    const id = (await caseFor(admin, s.id, w.p.alice.id)).id;
    const staff = await staffWith([]);
    expect((await staff.client.Cases({ first: 100 })).cases.totalCount).toBe(0);
    expect(await caseReadable(staff.client, id)).toBe(false);
    const r = await role(admin, { queuePermissions: [grant(s.id, RWA)], customerGroupIds: [w.gIn.id] });
    await admin.UpdateUser({ input: { id: staff.id, roleIds: [r.id] } });
    expect((await staff.client.Cases({ first: 100 })).cases.edges.map((e) => e.node.id)).toEqual([id]);
    expect(await commentOutcome(staff.client, id, "staff note")).toBe("ok");
    const { case: kase } = await admin.Case({ id });
    expect(kase!.comments.find((c) => c.body === "staff note")!.author).toEqual({ __typename: "User" });
  });

  it("super users see every case", async () => {
    const everyCase = Object.values(w.c);
    for (const id of everyCase) expect(await caseReadable(admin, id)).toBe(true);
    const { cases } = await admin.Cases({ first: 100 });
    const [{ n: total }] = await server.db.select({ n: count() }).from(casesTable);
    expect(cases.totalCount).toBe(total);
    const onFull = (await admin.Cases({ first: 100, filter: { queueId: w.q.full.id } })).cases.edges.map((e) => e.node.id);
    expect(onFull).toEqual(expect.arrayContaining([w.c.aliceFull, w.c.ginaFull, w.c.oscarFull, w.c.gusFull]));
  });

  it("staff createCase needs contactId (BAD_USER_INPUT) and write through a role (FORBIDDEN otherwise)", async () => {
    const s = await queue(admin, `Staff write ${unique()}`);
    const readOnly = await role(admin, { queuePermissions: [grant(s.id, { read: true })], customerGroupIds: [w.gIn.id] });
    const staff = await staffWith([readOnly.id]);
    await expectRefusal(staff.client.CreateCase({ input: { queueId: s.id, subject: "Who?" } }), "BAD_USER_INPUT", "contactId");
    await expectRefusal(staff.client.CreateCase({ input: { queueId: s.id, subject: "Who?", contactId: unknownId() } }), "BAD_USER_INPUT", "contactId");
    await expectRefusal(staff.client.CreateCase({ input: { queueId: s.id, subject: "No write", contactId: w.p.alice.id } }), "FORBIDDEN");
    expect((await admin.Cases({ first: 1, filter: { queueId: s.id } })).cases.totalCount).toBe(0);
    await admin.UpdateRole({ input: { id: readOnly.id, queuePermissions: [grant(s.id, { read: true, write: true })] } });
    const { createCase } = await staff.client.CreateCase({ input: { queueId: s.id, subject: "For alice", contactId: w.p.alice.id } });
    expect((await staff.client.Case({ id: createCase.id })).case!.contact.id).toBe(w.p.alice.id);
    // A staff user without any role may not write either.
    const none = await signInStaff(server, await staffUser(server));
    await expectRefusal(none.CreateCase({ input: { queueId: s.id, subject: "x", contactId: w.p.alice.id } }), "FORBIDDEN");
  });

  it("myCases and myPermissions are the portal's; cases and explainCaseAccess are staff's", async () => {
    await expectRefusal(admin.MyCases({}), "FORBIDDEN");
    await expectRefusal(admin.MyPermissions(), "FORBIDDEN");
    await expectRefusal(w.p.alice.client.Cases({}), "FORBIDDEN");
    await expectRefusal(server.anonymous.MyCases({}), "UNAUTHENTICATED");
    await expectRefusal(server.anonymous.Case({ id: w.c.aliceFull }), "UNAUTHENTICATED");
    await expectRefusal(server.anonymous.CreateCase({ input: { queueId: w.q.full.id, subject: "x" } }), "UNAUTHENTICATED");
    await expectRefusal(server.anonymous.AddCaseComment({ input: { caseId: w.c.aliceFull, body: "x" } }), "UNAUTHENTICATED");
  });
});

describe("myPermissions", () => {
  const byQueue = (queues: Array<{ queue: { id: string }; read: boolean; write: boolean; append: boolean }>) =>
    Object.fromEntries(queues.map((q) => [q.queue.id, { read: q.read, write: q.write, append: q.append }]));

  it("lists, per queue, the union of the profile's roles and leaves out queues where all are false", async () => {
    const { myPermissions } = await w.p.alice.client.MyPermissions();
    expect(myPermissions.accessOwnCompanyCases).toBe(false);
    expect(byQueue(myPermissions.queues)).toEqual({
      [w.q.full.id]: RWA,
      [w.q.noRead.id]: { read: false, write: true, append: true },
      [w.q.readOnly.id]: { read: true, write: false, append: false },
      [w.q.split.id]: { read: true, write: false, append: true },
      [w.q.companyRead.id]: { read: true, write: false, append: false },
    });
    const full = myPermissions.queues.find((q) => q.queue.id === w.q.full.id)!;
    expect(full.queue.name).toBe(w.q.full.name);
  });

  it("accessOwnCompanyCases is true when any role of the profile has it", async () => {
    expect((await w.p.bob.client.MyPermissions()).myPermissions.accessOwnCompanyCases).toBe(true);
    expect((await w.p.mia.client.MyPermissions()).myPermissions.accessOwnCompanyCases).toBe(true);
    expect((await w.p.sam.client.MyPermissions()).myPermissions.accessOwnCompanyCases).toBe(false);
    expect(byQueue((await w.p.sam.client.MyPermissions()).myPermissions.queues)).toEqual({ [w.q.full.id]: RWA });
  });

  it("an empty profile grants nothing", async () => {
    const u = await portalUser(admin, { companyId: w.acme.id });
    const client = await server.signIn("PORTAL", u.login, u.password);
    expect((await client.MyPermissions()).myPermissions).toEqual({ accessOwnCompanyCases: false, queues: [] });
    expect((await client.MyCases({})).myCases.totalCount).toBe(0);
    await expectRefusal(client.CreateCase({ input: { queueId: w.q.full.id, subject: "x" } }), "FORBIDDEN");
  });
});
