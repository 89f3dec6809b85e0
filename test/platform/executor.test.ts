/**
 * Operations run through graphql-jit by default (src/graphql/executor.ts) and through graphql-js's
 * own executor with GATEHOUSE_GRAPHQL_JIT=false: both answer alike, also for what differs between
 * the two engines (a union resolved by __typename, a field denied inside an answer, variables that
 * do not coerce, a resolver's contract error, and a document with two operations). An internal
 * error's detail for super users is tested with the default engine in errors.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { portalUser } from "../helpers/factories.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "../helpers/server.js";
import { codes, post, signInToken } from "./support.js";

const ME = `query { me { __typename ... on Contact { id portalAccount { login failedLoginCount } } ... on User { username } } }`;
const TWO_OPERATIONS = `query A { me { __typename } } query B { myCases(first: 1) { totalCount } }`;
const SET_ACCESS = `mutation ($input: SetPortalAccessInput!) { setPortalAccess(input: $input) { contact { id } } }`;

describe.each([
  ["graphql-jit", "true"],
  ["graphql-js", "false"],
])("executing with %s", (_engine, jit) => {
  let server: TestServer;
  let portalToken: string;
  let adminToken: string;
  let user: Awaited<ReturnType<typeof portalUser>>;

  beforeAll(async () => {
    server = await startTestServer({ env: { GATEHOUSE_GRAPHQL_JIT: jit } });
    user = await portalUser(await server.admin());
    portalToken = await signInToken(server.url, "PORTAL", user.login, user.password);
    adminToken = await signInToken(server.url, "STAFF", "admin", ADMIN_PASSWORD);
  });
  afterAll(() => server?.close());

  it("resolves the Principal union by __typename, and answers the rest of a response around a denied field", async () => {
    const r = await post(server.url, { query: ME }, { token: portalToken });
    expect(r.status).toBe(200);
    expect(r.body?.data?.me).toEqual({ __typename: "Contact", id: user.contact.id, portalAccount: { login: user.login, failedLoginCount: null } });
    expect(codes(r.body)).toEqual(["FORBIDDEN"]);
    expect(r.body?.errors?.[0].path).toEqual(["me", "portalAccount", "failedLoginCount"]);
    const staff = await post(server.url, { query: ME }, { token: adminToken });
    expect(staff.body).toEqual({ data: { me: { __typename: "User", username: "admin" } } });
  });

  it("answers variables that do not coerce with BAD_USER_INPUT and status 400, running nothing", async () => {
    const r = await post(server.url, { query: SET_ACCESS, variables: { input: { contactId: user.contact.id, locked: "yes" } } }, { token: adminToken });
    expect(r.status).toBe(400);
    expect(codes(r.body)).toEqual(["BAD_USER_INPUT"]);
    expect(r.body?.data).toBeUndefined();
  });

  it("runs the operation a document's operationName names", async () => {
    const a = await post(server.url, { query: TWO_OPERATIONS, operationName: "A" }, { token: portalToken });
    expect(a.body).toEqual({ data: { me: { __typename: "Contact" } } });
    const b = await post(server.url, { query: TWO_OPERATIONS, operationName: "B" }, { token: portalToken });
    expect(b.body).toEqual({ data: { myCases: { totalCount: 0 } } });
  });

  it("answers a resolver's contract error with its code and field, and null for the field", async () => {
    const r = await post(server.url, { query: `query { myCases(first: 1000) { totalCount } }` }, { token: portalToken });
    expect(codes(r.body)).toEqual(["BAD_USER_INPUT"]);
    expect(r.body?.errors?.[0]).toMatchObject({ path: ["myCases"], extensions: { field: "first" }, locations: [{ line: 1, column: 9 }] });
    expect(r.body?.data).toBeNull();
  });
});
