import { createHash, randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, GatehouseError } from "../../client-sdk/src/index.js";
import { newPassword } from "../helpers/factories.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "../helpers/server.js";
import { logLines, rows } from "./support.js";

/** Every request the story sends: its request id, operation name and who sent it. */
type Sent = { requestId: string | null; operationName: string | undefined; as: "anonymous" | "admin" | "contact" };

let server: TestServer;
const sent: Sent[] = [];
/** Every password and token the story used or was given. */
const secrets: Record<string, string> = {};
const ids: { admin?: string; contact?: string } = {};

function recordingFetch(as: Sent["as"]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const body = JSON.parse(String(init?.body ?? "{}"));
    const operationName = /^\s*(?:query|mutation)\s+(\w+)/.exec(body.query ?? "")?.[1];
    sent.push({ requestId: response.headers.get("x-request-id"), operationName, as });
    return response;
  };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error) => error as GatehouseError,
  );

beforeAll(async () => {
  server = await startTestServer();
  const anonymous = createClient({ url: server.url, fetch: recordingFetch("anonymous") });
  secrets.adminPassword = ADMIN_PASSWORD;

  // The administrator signs in and builds a customer with a portal account.
  const adminLogin = await anonymous.Login({ input: { audience: "STAFF", login: "admin", password: ADMIN_PASSWORD } });
  secrets.adminToken = adminLogin.login.token;
  ids.admin = adminLogin.login.principal.__typename === "User" ? adminLogin.login.principal.id : undefined;
  const admin = createClient({ url: server.url, token: secrets.adminToken, fetch: recordingFetch("admin") });

  const suffix = randomBytes(4).toString("hex");
  const { createCustomerGroup: group } = await admin.CreateCustomerGroup({ input: { name: `Secret group ${suffix}`, portalEnabled: true } });
  const { createCompany: company } = await admin.CreateCompany({ input: { name: `Secret company ${suffix}`, customerGroupId: group.id } });
  const { createContact: person } = await admin.CreateContact({
    input: { firstName: "Grace", lastName: `Hopper ${suffix}`, email: `grace.${suffix}@example.com`, companyId: company.id },
  });
  ids.contact = person.id;
  const login = `grace-${suffix}`;

  // A password the policy refuses is a secret too.
  secrets.refusedPassword = `sh-${randomBytes(4).toString("hex")}`;
  const refused = await refusal(admin.SetPortalAccess({ input: { contactId: person.id, login, password: secrets.refusedPassword } }));
  expect(refused.code).toBe("PASSWORD_POLICY");

  secrets.chosenPassword = newPassword();
  const { createPortalProfile: profile } = await admin.CreatePortalProfile({ input: { name: `Secret profile ${suffix}`, roleIds: [] } });
  await admin.SetPortalAccess({ input: { contactId: person.id, login, password: secrets.chosenPassword, profileId: profile.id } });
  const first = await anonymous.Login({ input: { audience: "PORTAL", login, password: secrets.chosenPassword } });
  secrets.firstContactToken = first.login.token;

  const generated = await admin.SetPortalAccess({ input: { contactId: person.id, generatePassword: true } });
  expect(generated.setPortalAccess.generatedPassword).toEqual(expect.any(String));
  secrets.generatedPassword = generated.setPortalAccess.generatedPassword!;

  // A wrong password typed at sign-in (perhaps someone's real password elsewhere).
  secrets.wrongPassword = newPassword();
  expect((await refusal(anonymous.Login({ input: { audience: "PORTAL", login, password: secrets.wrongPassword } }))).code).toBe(
    "INVALID_CREDENTIALS",
  );

  // The contact signs in with the generated password, reads itself, and signs out.
  const second = await anonymous.Login({ input: { audience: "PORTAL", login, password: secrets.generatedPassword } });
  secrets.secondContactToken = second.login.token;
  const contact = createClient({ url: server.url, token: secrets.secondContactToken, fetch: recordingFetch("contact") });
  const { me } = await contact.Me();
  expect(me).toMatchObject({ __typename: "Contact", id: person.id });
  expect((await contact.Logout()).logout).toBe(true);
  expect(Object.values(secrets).every((s) => typeof s === "string" && s.length >= 10)).toBe(true);
});
afterAll(() => server?.close());

const leaks = (haystack: string) => Object.entries(secrets).filter(([, secret]) => haystack.includes(secret)).map(([name]) => name);

describe("after the whole story", () => {
  it("no table of the database holds a plaintext password or a token", async () => {
    const tables = await rows<{ table_name: string }>(
      server.db,
      sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    );
    const names = tables.map((t) => t.table_name);
    for (const expected of ["users", "portal_accounts", "sessions", "audit_events", "contacts"]) expect(names).toContain(expected);

    for (const table of names) {
      const dump = JSON.stringify(await rows(server.db, sql`select * from ${sql.identifier(table)}`));
      expect(leaks(dump), `table ${table}`).toEqual([]);
    }
  });

  it("keeps session tokens only as their SHA-256, and passwords only as argon2id hashes", async () => {
    const sessions = await rows(server.db, sql`select token_hash from sessions`);
    const hashes = new Set(sessions.map((s) => s.token_hash));
    // The admin's session is still open; the contact's second one ended with Logout.
    expect(hashes.has(createHash("sha256").update(secrets.adminToken).digest("hex"))).toBe(true);
    expect(hashes.has(createHash("sha256").update(secrets.secondContactToken).digest("hex"))).toBe(false);
    for (const token of [secrets.adminToken, secrets.firstContactToken, secrets.secondContactToken]) expect(hashes.has(token)).toBe(false);

    const accounts = await rows(server.db, sql`select password_hash from portal_accounts where contact_id = ${ids.contact!}`);
    expect(accounts).toHaveLength(1);
    expect(accounts[0].password_hash).toMatch(/^\$argon2id\$/);
    const admins = await rows(server.db, sql`select password_hash from users where username = 'admin'`);
    expect(admins[0].password_hash).toMatch(/^\$argon2id\$/);
  });

  it("records a password change in the audit log only as passwordChanged: true", async () => {
    const events = await rows(
      server.db,
      sql`select changes from audit_events where action = 'setPortalAccess' and entity_id = ${ids.contact!} order by at`,
    );
    expect(events).toHaveLength(2);
    for (const event of events) {
      const changes = typeof event.changes === "string" ? JSON.parse(event.changes) : event.changes;
      expect(changes.passwordChanged).toBe(true);
      expect(Object.keys(changes).some((key) => /password(?!Changed)|hash|token/i.test(key))).toBe(false);
    }
  });

  it("no log line holds a password, a token or an authorization header value", () => {
    expect(server.logs.length).toBeGreaterThan(sent.length);
    for (const line of server.logs) {
      expect(leaks(line), line.slice(0, 200)).toEqual([]);
      expect(line).not.toMatch(/bearer\s+\S/i);
    }
    // Wherever a header shows up in a log line, its value is redacted.
    const authorizationValues: unknown[] = [];
    const walk = (value: unknown) => {
      if (value && typeof value === "object") {
        for (const [key, inner] of Object.entries(value)) {
          if (key.toLowerCase() === "authorization") authorizationValues.push(inner);
          walk(inner);
        }
      }
    };
    for (const line of logLines(server.logs)) walk(line);
    for (const value of authorizationValues) expect(value).toBe("[redacted]");
  });

  it("writes exactly one log line per request, with request id, principal, operation, duration and outcome", () => {
    expect(sent.length).toBeGreaterThanOrEqual(12);
    const lines = logLines(server.logs);
    for (const request of sent) {
      expect(request.requestId).toMatch(/^[0-9a-f-]{36}$/);
      const own = lines.filter((line) => line.reqId === request.requestId);
      expect(own, `log lines of ${request.operationName}`).toHaveLength(1);
      const [line] = own;
      expect(line).toMatchObject({ msg: "request", operationName: request.operationName });
      expect(line.durationMs).toEqual(expect.any(Number));
      expect(line.durationMs).toBeGreaterThanOrEqual(0);
      expect(Object.keys(line)).toContain("principalId");
      const principal = request.as === "admin" ? ids.admin : request.as === "contact" ? ids.contact : null;
      expect(line.principalId, request.operationName).toBe(principal);
      expect(line.outcome).toBeDefined();
    }
    const outcomes = sent.map((request) => lines.find((line) => line.reqId === request.requestId)!.outcome);
    expect(outcomes).toContainEqual("ok");
    expect(outcomes).toContainEqual(["PASSWORD_POLICY"]);
    expect(outcomes).toContainEqual(["INVALID_CREDENTIALS"]);
  });
});
