/**
 * SQL round trips of the case lists: `myCases(first: N)` and `cases(first: N)` send ONE
 * statement for the page, with totalCount in it when it is asked for (a second one only for
 * an empty page after a cursor), whatever N, and nested queue and contact fields add none. Counted in `server.queries`,
 * every statement the server sends; the per-request session lookup (and its occasional
 * `update "sessions"` touch) is left out of the count but nothing else is.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { company, customerGroup, newPassword, portalProfile, portalUser, queue, role, unique } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { grant, RWA } from "./support.js";

let server: TestServer;
let admin: GatehouseClient;
let portal: GatehouseClient;
let staff: GatehouseClient;
/** Enough cases that every page size below has a next page. */
const CASES = 105;

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.admin();
  const g = await customerGroup(admin);
  const acme = await company(admin, { customerGroupId: g.id });
  const [q1, q2] = [await queue(admin), await queue(admin)];
  // Company access on one queue, plain read on the other: the predicate's every part is used.
  const plain = await role(admin, { queuePermissions: [grant(q1.id, RWA), grant(q2.id, RWA)], customerGroupIds: [g.id] });
  const company_ = await role(admin, { queuePermissions: [grant(q2.id, { read: true })], customerGroupIds: [g.id], accessOwnCompanyCases: true });
  const profile = await portalProfile(admin, { roleIds: [plain.id, company_.id] });
  const me = await portalUser(admin, { companyId: acme.id, profileId: profile.id });
  const colleague = await portalUser(admin, { companyId: acme.id, profileId: profile.id });
  portal = await server.signIn("PORTAL", me.login, me.password);
  // Own cases on both queues, and colleague's on the company queue; made as the portal user and by the admin.
  const makers: Array<() => Promise<unknown>> = [];
  for (let i = 0; i < CASES; i++) {
    const queueId = i % 2 ? q1.id : q2.id;
    makers.push(() =>
      i % 3 === 0
        ? admin.CreateCase({ input: { queueId: q2.id, contactId: colleague.contact.id, subject: `Colleague ${i}` } })
        : portal.CreateCase({ input: { queueId, subject: `Mine ${i}` } }),
    );
  }
  for (let i = 0; i < makers.length; i += 15) await Promise.all(makers.slice(i, i + 15).map((make) => make()));

  const username = `rt-${unique()}`;
  const password = newPassword();
  await admin.CreateUser({ input: { username, firstName: "Round", lastName: "Trip", password, roleIds: [plain.id] } });
  staff = await server.signIn("STAFF", username, password);
});
afterAll(() => server?.close());

const isSession = (q: string) => /\bfrom "sessions"/.test(q) || /^update "sessions"/.test(q.trim());

/** Runs one request and answers the statements it sent, apart from the session lookup. */
async function statementsOf<T>(request: () => Promise<T>): Promise<{ result: T; statements: string[]; cases: string[] }> {
  await new Promise((resolve) => setImmediate(resolve));
  server.queries.length = 0;
  const result = await request();
  const statements = server.queries.filter((q) => !isSession(q));
  return { result, statements, cases: statements.filter((q) => q.includes('from "cases"')) };
}

const MY_CASES_FULL = /* GraphQL */ `
  query ($first: Int, $after: String, $scope: CaseScope) {
    myCases(first: $first, after: $after, scope: $scope) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id number subject status createdAt queue { id name } contact { id firstName lastName } } }
    }
  }
`;
const MY_CASES_NO_COUNT = /* GraphQL */ `
  query ($first: Int, $after: String) {
    myCases(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id queue { id name } contact { id firstName lastName } } }
    }
  }
`;
const CASES_FULL = /* GraphQL */ `
  query ($first: Int, $after: String) {
    cases(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id number subject status queue { id name } contact { id firstName lastName } } }
    }
  }
`;
const CASES_NO_COUNT = /* GraphQL */ `
  query ($first: Int) {
    cases(first: $first) { edges { node { id queue { id name } contact { id } } } }
  }
`;

async function ok<T>(client: GatehouseClient, document: string, variables: Record<string, unknown>) {
  const response = await client.execute<T>(document, variables);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

type Page = { totalCount?: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: Array<{ node: { id: string } }> };

describe("myCases", () => {
  it.each([1, 20, 100])("first: %i is one statement, totalCount and nested fields included", async (first) => {
    const { result, statements, cases } = await statementsOf(() => ok<{ myCases: Page }>(portal, MY_CASES_FULL, { first }));
    expect(result.myCases.edges).toHaveLength(first);
    expect(result.myCases.pageInfo.hasNextPage).toBe(true);
    expect(result.myCases.totalCount).toBe(CASES);
    expect(cases).toHaveLength(1);
    expect(statements).toEqual(cases);
  });

  it.each([1, 20, 100])("first: %i without totalCount is one statement", async (first) => {
    const { result, statements, cases } = await statementsOf(() => ok<{ myCases: Page }>(portal, MY_CASES_NO_COUNT, { first }));
    expect(result.myCases.edges).toHaveLength(first);
    expect(cases).toHaveLength(1);
    expect(statements).toEqual(cases);
  });

  it("finds totalCount asked for through a fragment, and counts in the page's statement", async () => {
    const document = /* GraphQL */ `
      query { myCases(first: 5) { ...Counted edges { node { id } } } }
      fragment Counted on CaseConnection { ... on CaseConnection { totalCount } }
    `;
    const { result, cases } = await statementsOf(() => ok<{ myCases: Page }>(portal, document, {}));
    expect(result.myCases.totalCount).toBe(CASES);
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatch(/count\(\*\)/);
  });

  it("without first, a page holds 20 cases", async () => {
    const { result, cases } = await statementsOf(() => portal.MyCases({}));
    expect(result.myCases.edges).toHaveLength(20);
    expect(cases).toHaveLength(1);
  });

  it("the SDK's MyCases and a later page (after a cursor) are one statement each; an empty page past the end counts apart", async () => {
    const first = await statementsOf(() => portal.MyCases({ first: 50 }));
    expect(first.statements).toEqual(first.cases);
    expect(first.cases).toHaveLength(1);
    const second = await statementsOf(() => portal.MyCases({ first: 50, after: first.result.myCases.pageInfo.endCursor }));
    expect(second.statements).toEqual(second.cases);
    expect(second.cases).toHaveLength(1);
    const ids = [...first.result.myCases.edges, ...second.result.myCases.edges].map((e) => e.node.id);
    expect(new Set(ids).size).toBe(100);
    const third = await statementsOf(() => portal.MyCases({ first: 50, after: second.result.myCases.pageInfo.endCursor }));
    expect(third.result.myCases.edges.length).toBe(CASES - 100);
    const past = await statementsOf(() => portal.MyCases({ first: 50, after: third.result.myCases.pageInfo.endCursor }));
    expect(past.result.myCases.edges).toHaveLength(0);
    expect(past.result.myCases.totalCount).toBe(CASES);
    expect(past.cases).toHaveLength(2);
  });

  it("scope OWN is one statement per part too; COMPANY adds at most its permission check", async () => {
    const own = await statementsOf(() => ok<{ myCases: Page }>(portal, MY_CASES_FULL, { first: 100, scope: "OWN" }));
    expect(own.cases).toHaveLength(1);
    expect(own.statements).toEqual(own.cases);
    const company_ = await statementsOf(() => ok<{ myCases: Page }>(portal, MY_CASES_FULL, { first: 100, scope: "COMPANY" }));
    expect(company_.cases).toHaveLength(1);
    expect(company_.statements.length, company_.statements.join("\n---\n")).toBeLessThanOrEqual(2);
  });
});

describe("what a case list reads in its one statement", () => {
  type Reporter = { id: string; firstName: string; lastName: string; email: string | null; phone: string | null; createdAt: string; customerGroup: { id: string } };
  type DetailedPage = { edges: Array<{ node: { id: string; description: string | null; createdAt: string; contact: Reporter } }> };
  const DETAILED = (list: string) => /* GraphQL */ `
    query { ${list} { edges { node { id description createdAt contact { ...Reporter } } } } }
    fragment Reporter on Contact { id firstName lastName ... on Contact { email phone createdAt customerGroup { id } } }
  `;

  it("answers the reporter's every column when the client asks for more than its names (through fragments too)", async () => {
    const { result, statements, cases } = await statementsOf(() => ok<{ cases: DetailedPage }>(admin, DETAILED("cases(first: 30)"), {}));
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatch(/"contacts"\."email"/);
    expect(statements.filter((q) => !q.includes('"customer_groups"'))).toEqual(cases);
    const reporters = new Map(result.cases.edges.map((e) => [e.node.contact.id, e.node.contact]));
    expect(reporters.size).toBe(2);
    for (const [id, listed] of reporters) {
      const { contact } = await admin.Contact({ id });
      expect(listed).toMatchObject({ firstName: contact!.firstName, lastName: contact!.lastName, email: contact!.email, phone: contact!.phone });
      expect(listed.customerGroup.id).toBe(contact!.customerGroup.id);
      expect(Date.parse(listed.createdAt)).not.toBeNaN();
    }
    const one = result.cases.edges[0].node;
    const { case: single } = await ok<{ case: { description: string | null; createdAt: string } }>(admin, `query ($id: ID!) { case(id: $id) { description createdAt } }`, { id: one.id });
    expect(one).toMatchObject(single);
  });

  it("reads only the reporter's names and company when that is all the client asks for", async () => {
    const { cases } = await statementsOf(() => ok<{ myCases: Page }>(portal, MY_CASES_FULL, { first: 20 }));
    expect(cases).toHaveLength(1);
    expect(cases[0]).not.toMatch(/"contacts"\."email"/);
    expect(cases[0]).toMatch(/"contacts"\."company_id"/);
  });

  it("a portal contact reads its own details on its own cases, from the same statement", async () => {
    const { result, cases } = await statementsOf(() => ok<{ myCases: DetailedPage }>(portal, DETAILED("myCases(first: 30, scope: OWN)"), {}));
    expect(cases).toHaveLength(1);
    const own = await portal.Me();
    expect(result.myCases.edges.length).toBeGreaterThan(0);
    for (const { node } of result.myCases.edges) {
      expect(node.contact.id).toBe(own.me.__typename === "Contact" ? own.me.id : "");
      expect(node.contact.email).toBe(own.me.__typename === "Contact" ? own.me.email : "");
    }
  });
});

describe("cases (staff)", () => {
  it.each([1, 20, 100])("first: %i is one statement, totalCount and nested fields included", async (first) => {
    for (const client of [staff, admin]) {
      const { result, statements, cases } = await statementsOf(() => ok<{ cases: Page }>(client, CASES_FULL, { first }));
      expect(result.cases.edges).toHaveLength(first);
      expect(result.cases.pageInfo.hasNextPage).toBe(true);
      expect(cases).toHaveLength(1);
      expect(statements).toEqual(cases);
    }
  });

  it("without totalCount it is one statement", async () => {
    for (const client of [staff, admin]) {
      const { statements, cases } = await statementsOf(() => ok<{ cases: Page }>(client, CASES_NO_COUNT, { first: 100 }));
      expect(cases).toHaveLength(1);
      expect(statements).toEqual(cases);
    }
  });

  it("the staff user sees through its role exactly the cases of the queues it reads (all companies)", async () => {
    const { cases } = await ok<{ cases: Page }>(staff, CASES_FULL, { first: 100 });
    expect(cases.totalCount).toBe(CASES);
  });
});
