import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { portalUser } from "../helpers/factories.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "../helpers/server.js";
import { codes, countRows, post, read, signInToken } from "./support.js";

const BODY_LIMIT = 100_000;

let server: TestServer;
let admin: GatehouseClient;
let adminToken: string;
let portal: GatehouseClient;

beforeAll(async () => {
  // The staff limit (bulk imports, test/customers/import.test.ts) is held to the same size here, as the 413 test signs in as staff.
  server = await startTestServer({ env: { GATEHOUSE_BODY_LIMIT_BYTES: String(BODY_LIMIT), GATEHOUSE_STAFF_BODY_LIMIT_BYTES: String(BODY_LIMIT) } });
  adminToken = await signInToken(server.url, "STAFF", "admin", ADMIN_PASSWORD);
  admin = server.anonymous.withToken(adminToken);
  const user = await portalUser(admin);
  portal = await server.signIn("PORTAL", user.login, user.password);
});
afterAll(() => server?.close());

const unique = () => randomBytes(4).toString("hex");
const createGroup = (name: string) => `mutation { createCustomerGroup(input: { name: "${name}" }) { id } }`;
const groupsNamed = (name: string) => countRows(server.db, "customer_groups", sql`name = ${name}`);

describe("query limits (graphql-armor)", () => {
  it("refuses a query 50 levels deep with GRAPHQL_VALIDATION_FAILED, for staff too", async () => {
    // Inline fragments on the same type are valid GraphQL and each one is a level for the depth limit.
    const deep = `{ me { ${"... on Contact { ".repeat(48)}id${" }".repeat(48)} } }`;
    for (const client of [server.anonymous, admin]) {
      const r = await client.execute(deep);
      expect(r.status).toBe(400);
      expect(r.data ?? null).toBeNull();
      expect(codes(r).every((c) => c === "GRAPHQL_VALIDATION_FAILED")).toBe(true);
      expect(r.errors!.some((e) => /depth limit of \d+ exceeded, found 50/i.test(e.message))).toBe(true);
    }
  });

  it("refuses 500 aliases with GRAPHQL_VALIDATION_FAILED", async () => {
    const aliases = `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: me { __typename }`).join(" ")} }`;
    const r = await admin.execute(aliases);
    expect(r.status).toBe(400);
    expect(r.data ?? null).toBeNull();
    expect(codes(r)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(r.errors![0].message).toMatch(/aliases limit/i);
  });

  it("refuses a very costly query (within the depth and alias limits) with GRAPHQL_VALIDATION_FAILED", async () => {
    const costly = `{ ${Array.from(
      { length: 25 },
      (_, i) =>
        `c${i}: contacts(first: 100) { edges { node { id company { id customerGroup { id defaultProfile { id } } } portalAccount { login profile { id } } } } }`,
    ).join(" ")} }`;
    const r = await admin.execute(costly);
    expect(r.status).toBe(400);
    expect(r.data ?? null).toBeNull();
    expect(codes(r)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(r.errors![0].message).toMatch(/cost limit/i);
  });

  it("refuses a token-heavy document with GRAPHQL_VALIDATION_FAILED and a client-error status", async () => {
    // 5100 plain fields: no alias, depth 1, cost 5100; only the token count (default 5000) is over.
    const heavy = `{ ${"__typename ".repeat(5_100)}}`;
    expect(heavy.length).toBeLessThan(BODY_LIMIT);
    const r = await admin.execute(heavy);
    expect(codes(r)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(r.errors![0].message).toMatch(/token/i);
    expect(r.data ?? null).toBeNull();
    // The caller's document is at fault, not the server: a 4xx, never a 500.
    expect(r.status).toBe(400);
  });

  it("refuses a request body over GATEHOUSE_BODY_LIMIT_BYTES with HTTP 413 and executes nothing", async () => {
    const name = `Oversized ${unique()}`;
    const padding = "#".repeat(BODY_LIMIT);
    const over = await post(server.url, { query: `${createGroup(name)}\n# ${padding}` }, { token: adminToken });
    expect(over.status).toBe(413);
    expect(over.body?.errors?.[0].extensions?.code).toBe("BAD_REQUEST");
    expect(await groupsNamed(name)).toBe(0);

    // The same mutation just under the limit runs: the limit is the setting, not something else.
    const fits = `${createGroup(name)}\n# ${"#".repeat(BODY_LIMIT - 400)}`;
    const r = await admin.execute(fits);
    expect(r.errors).toBeUndefined();
    expect(await groupsNamed(name)).toBe(1);
  });
});

describe("one login per document", () => {
  it("refuses two login fields in one document with GRAPHQL_VALIDATION_FAILED and creates no session", async () => {
    const sessionsBefore = await countRows(server.db, "sessions");
    const loginsBefore = await countRows(server.db, "audit_events", sql`action in ('login', 'loginFailed')`);
    const input = `input: { audience: STAFF, login: "admin", password: ${JSON.stringify(ADMIN_PASSWORD)} }`;
    const r = await server.anonymous.execute(`mutation { a: login(${input}) { token } b: login(${input}) { token } }`);
    expect(r.status).toBe(400);
    expect(codes(r)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(r.data ?? null).toBeNull();
    expect(await countRows(server.db, "sessions")).toBe(sessionsBefore);
    expect(await countRows(server.db, "audit_events", sql`action in ('login', 'loginFailed')`)).toBe(loginsBefore);

    // Hidden in a fragment it is still two.
    const viaFragment = await server.anonymous.execute(
      `mutation { a: login(${input}) { token } ...L } fragment L on Mutation { b: login(${input}) { token } }`,
    );
    expect(codes(viaFragment)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(await countRows(server.db, "sessions")).toBe(sessionsBefore);
  });
});

describe("field suggestions", () => {
  const misspelt = "{ contactz { id } }";
  const badEnum = `mutation { login(input: { audience: STAF, login: "x", password: "y" }) { token } }`;

  it("are absent for anonymous and portal callers", async () => {
    for (const client of [server.anonymous, portal]) {
      for (const document of [misspelt, badEnum]) {
        const r = await client.execute(document);
        expect(codes(r)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
        expect(JSON.stringify(r.errors)).not.toMatch(/did you mean/i);
      }
    }
  });

  it("are present for staff", async () => {
    const r = await admin.execute(misspelt);
    expect(codes(r)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(r.errors![0].message).toMatch(/Did you mean "contact" or "contacts"\?/);
  });
});

describe("introspection", () => {
  const schemaQuery = "{ __schema { types { name } } }";
  // The same question asked less directly: it must not slip past the rule.
  const disguised = [
    "{ __type(name: \"Contact\") { fields { name } } }",
    "{ a: __schema { queryType { name } } }",
    "query { ...Q } fragment Q on Query { __schema { types { name } } }",
    "{ ... on Query { __schema { types { name } } } }",
  ];

  it("is refused with GRAPHQL_VALIDATION_FAILED for anonymous and portal callers", async () => {
    for (const client of [server.anonymous, portal]) {
      for (const document of [schemaQuery, ...disguised]) {
        const r = await client.execute(document);
        expect(codes(r), document).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
        expect(r.data ?? null, document).toBeNull();
      }
    }
    // __typename is not introspection of the schema.
    const plain = await server.anonymous.execute("{ __typename }");
    expect(plain.data).toEqual({ __typename: "Query" });
  });

  it("is answered for signed-in staff", async () => {
    const r = await admin.execute<{ __schema: { types: Array<{ name: string }> } }>(schemaQuery);
    expect(r.errors).toBeUndefined();
    expect(r.data!.__schema.types.map((t) => t.name)).toContain("Contact");
  });

  it("is answered for anonymous callers when GATEHOUSE_PUBLIC_INTROSPECTION=true", async () => {
    const open = await startTestServer({ env: { GATEHOUSE_PUBLIC_INTROSPECTION: "true" } });
    try {
      const r = await open.anonymous.execute<{ __schema: { types: Array<{ name: string }> } }>(schemaQuery);
      expect(r.errors).toBeUndefined();
      expect(r.data!.__schema.types.map((t) => t.name)).toContain("Contact");
    } finally {
      await open.close();
    }
  });
});

describe("variables and CSRF", () => {
  it("answers BAD_USER_INPUT for variables that do not coerce, and writes nothing", async () => {
    const r = await admin.execute("query Q($first: Int) { contacts(first: $first) { totalCount } }", { first: "x" });
    expect(codes(r)).toEqual(["BAD_USER_INPUT"]);

    const name = `Never ${unique()}`;
    const w = await admin.execute(
      "mutation M($input: CreateCustomerGroupInput!) { createCustomerGroup(input: $input) { id } }",
      { input: { name, portalEnabled: "yes please" } },
    );
    expect(codes(w)).toEqual(["BAD_USER_INPUT"]);
    expect(await groupsNamed(name)).toBe(0);
  });

  it("refuses a text/plain POST without a preflight header, and executes nothing", async () => {
    const name = `Csrf ${unique()}`;
    const response = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "text/plain", authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ query: createGroup(name) }),
    });
    const r = await read(response);
    expect(r.status).toBe(400);
    expect(codes(r.body)).toEqual(["BAD_REQUEST"]);
    expect(r.text).toMatch(/Cross-Site Request Forgery/);
    expect(await groupsNamed(name)).toBe(0);
  });

  it("refuses a GET without a preflight header, and answers one with it", async () => {
    const url = `${server.url}?query=${encodeURIComponent("{ __typename }")}`;
    const refused = await read(await fetch(url, { headers: { accept: "application/json" } }));
    expect(refused.status).toBe(400);
    expect(codes(refused.body)).toEqual(["BAD_REQUEST"]);

    const allowed = await read(await fetch(url, { headers: { accept: "application/json", "apollo-require-preflight": "true" } }));
    expect(allowed.status).toBe(200);
    expect(allowed.body?.data).toEqual({ __typename: "Query" });
  });
});
