import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { company, contact, newPassword, portalUser } from "../helpers/factories.js";
import { staffUser } from "../helpers/principals.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "../helpers/server.js";
import { codes, countRows, logLines, post, rows, signInToken } from "./support.js";

let server: TestServer;
let superToken: string;
let staffToken: string;
let admin: GatehouseClient;
/** Made before the audit table starts refusing writes. */
let existing: { groupId: string; companyId: string; bare: { id: string }; withAccount: Awaited<ReturnType<typeof portalUser>> };

const unique = () => randomBytes(4).toString("hex");

const createTrigger = async () => {
  await server.db.execute(sql`
    create or replace function gatehouse_test_refuse_audit() returns trigger language plpgsql as $$
    begin
      raise exception 'audit write refused by the test trigger';
    end
    $$`);
  await server.db.execute(sql`
    create trigger gatehouse_test_refuse_audit before insert on audit_events
    for each row execute function gatehouse_test_refuse_audit()`);
};
const dropTrigger = () => server.db.execute(sql`drop trigger if exists gatehouse_test_refuse_audit on audit_events`);

beforeAll(async () => {
  server = await startTestServer();
  superToken = await signInToken(server.url, "STAFF", "admin", ADMIN_PASSWORD);
  admin = server.anonymous.withToken(superToken);
  const staff = await staffUser(server);
  staffToken = await signInToken(server.url, "STAFF", staff.username, staff.password);
  const co = await company(admin);
  const withAccount = await portalUser(admin, { companyId: co.id });
  const bare = await contact(admin, { companyId: co.id });
  existing = { groupId: co.customerGroup.id, companyId: co.id, bare, withAccount };
  await createTrigger();
});
afterAll(() => server?.close());

const CREATE_GROUP = "mutation CreateGroup($input: CreateCustomerGroupInput!) { createCustomerGroup(input: $input) { id name } }";

describe("an internal error", () => {
  it("answers INTERNAL_SERVER_ERROR with the request id of the response header and of the log line", async () => {
    const name = `Group ${unique()}`;
    const r = await post(server.url, { query: CREATE_GROUP, variables: { input: { name } } }, { token: staffToken });
    expect(r.body?.data ?? null).toBeNull();
    expect(codes(r.body)).toEqual(["INTERNAL_SERVER_ERROR"]);
    const requestId = r.body!.errors![0].extensions!.requestId;
    expect(requestId).toEqual(expect.any(String));
    expect(requestId).toBe(r.headers.get("x-request-id"));

    const lines = logLines(server.logs).filter((line) => line.reqId === requestId);
    const requestLine = lines.filter((line) => line.msg === "request");
    expect(requestLine).toHaveLength(1);
    expect(requestLine[0].outcome).toEqual(["INTERNAL_SERVER_ERROR"]);
    // The error itself is logged under the same id, with what the caller was not shown.
    const errorLine = lines.find((line) => line.level >= 50);
    expect(errorLine, "an error-level log line with the request id").toBeDefined();
    const logged = JSON.stringify(errorLine);
    expect(logged).toContain("audit write refused by the test trigger");
    expect(logged).toContain("audit_events");
    // The statement is logged, its parameter values are not (they may hold password or token hashes).
    expect(logged).not.toContain("params:");
    expect(logged).not.toContain(name);
  });

  it("shows a non-super staff user, and an anonymous caller, no detail, stack trace or SQL", async () => {
    const asStaff = await post(
      server.url,
      { query: CREATE_GROUP, variables: { input: { name: `Group ${unique()}` } } },
      { token: staffToken },
    );
    // A sign-in that passes the password check fails on its audit row: the anonymous caller's internal error.
    const user = existing.withAccount;
    const asAnonymous = await post(server.url, {
      query: "mutation Login($input: LoginInput!) { login(input: $input) { token } }",
      variables: { input: { audience: "PORTAL", login: user.login, password: user.password } },
    });
    for (const r of [asStaff, asAnonymous]) {
      expect(codes(r.body)).toEqual(["INTERNAL_SERVER_ERROR"]);
      const extensions = r.body!.errors![0].extensions!;
      expect(Object.keys(extensions).sort()).toEqual(["code", "requestId"]);
      expect(extensions.requestId).toBe(r.headers.get("x-request-id"));
      for (const needle of ["trigger", "audit_events", "insert", "at ", "stack", "detail", "Failed query", "params"]) {
        expect(r.text.toLowerCase(), `response text contains ${JSON.stringify(needle)}`).not.toContain(needle.toLowerCase());
      }
    }
  });

  it("shows a super user extensions.detail", async () => {
    const r = await post(server.url, { query: CREATE_GROUP, variables: { input: { name: `Group ${unique()}` } } }, { token: superToken });
    expect(codes(r.body)).toEqual(["INTERNAL_SERVER_ERROR"]);
    const extensions = r.body!.errors![0].extensions!;
    expect(extensions.requestId).toBe(r.headers.get("x-request-id"));
    expect(extensions.detail).toEqual(expect.any(String));
    // The database's own message, not drizzle's wrapper with the SQL and its parameter values.
    expect(extensions.detail).toBe("audit write refused by the test trigger");
    // Detail, yes; a stack trace, no.
    expect(r.text).not.toMatch(/stacktrace|\n\s+at /i);
  });
});

describe("a failing audit write rolls the change back", () => {
  const tables = ["customer_groups", "companies", "contacts", "portal_accounts", "audit_events"] as const;
  const counts = async () => Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await countRows(server.db, t)])));
  const accountOf = async (contactId: string) =>
    (await rows(server.db, sql`select login, password_hash, enabled, locked from portal_accounts where contact_id = ${contactId}`))[0];

  /** Every mutation that writes, tried while the audit table refuses inserts. */
  const attempts = () => [
    { name: "createCustomerGroup", run: () => admin.execute(CREATE_GROUP, { input: { name: `Rolled back ${unique()}` } }) },
    {
      name: "createCompany",
      run: () =>
        admin.execute("mutation($input: CreateCompanyInput!) { createCompany(input: $input) { id } }", {
          input: { name: `Rolled back ${unique()}`, customerGroupId: existing.groupId },
        }),
    },
    {
      name: "createContact",
      run: () =>
        admin.execute("mutation($input: CreateContactInput!) { createContact(input: $input) { id } }", {
          input: { firstName: "Rolled", lastName: `Back ${unique()}`, companyId: existing.companyId },
        }),
    },
    {
      name: "updateContact",
      run: () =>
        admin.execute("mutation($input: UpdateContactInput!) { updateContact(input: $input) { id } }", {
          input: { id: existing.bare.id, lastName: `Changed ${unique()}` },
        }),
    },
    {
      name: "setPortalAccess (new account)",
      run: () =>
        admin.execute("mutation($input: SetPortalAccessInput!) { setPortalAccess(input: $input) { generatedPassword } }", {
          input: { contactId: existing.bare.id, login: `rolled-${unique()}`, password: newPassword() },
        }),
    },
    {
      name: "setPortalAccess (existing account)",
      run: () =>
        admin.execute("mutation($input: SetPortalAccessInput!) { setPortalAccess(input: $input) { generatedPassword } }", {
          input: { contactId: existing.withAccount.contact.id, generatePassword: true, enabled: false, login: `renamed-${unique()}` },
        }),
    },
    {
      name: "revokePortalAccess",
      run: () =>
        admin.execute("mutation($id: ID!) { revokePortalAccess(contactId: $id) { id } }", { id: existing.withAccount.contact.id }),
    },
  ];

  it("leaves every table as it was when a mutation's audit row cannot be written", async () => {
    const before = await counts();
    const bareBefore = (await rows(server.db, sql`select * from contacts where id = ${existing.bare.id}`))[0];
    const accountBefore = await accountOf(existing.withAccount.contact.id);
    const sessionsBefore = await countRows(server.db, "sessions");
    expect(accountBefore).toBeDefined();

    for (const attempt of attempts()) {
      const r = await attempt.run();
      expect(codes(r), attempt.name).toEqual(["INTERNAL_SERVER_ERROR"]);
      expect(r.errors![0].extensions!.requestId, attempt.name).toEqual(expect.any(String));
    }

    expect(await counts()).toEqual(before);
    expect((await rows(server.db, sql`select * from contacts where id = ${existing.bare.id}`))[0]).toEqual(bareBefore);
    expect(await accountOf(existing.bare.id)).toBeUndefined();
    expect(await accountOf(existing.withAccount.contact.id)).toEqual(accountBefore);
    // Revoking or disabling would have ended sessions: they are all still there.
    expect(await countRows(server.db, "sessions")).toBe(sessionsBefore);
  });

  it("lets the same mutations through, each with its audit event, once the audit table accepts writes again", async () => {
    await dropTrigger();
    const before = await counts();
    for (const attempt of attempts()) {
      const r = await attempt.run();
      expect(r.errors, attempt.name).toBeUndefined();
    }
    const after = await counts();
    expect(after.customer_groups).toBe(before.customer_groups + 1);
    expect(after.companies).toBe(before.companies + 1);
    expect(after.contacts).toBe(before.contacts + 1);
    // One account added for the bare contact, one removed by the revocation.
    expect(after.portal_accounts).toBe(before.portal_accounts);
    expect(await accountOf(existing.bare.id)).toBeDefined();
    expect(await accountOf(existing.withAccount.contact.id)).toBeUndefined();
    expect(after.audit_events).toBe(before.audit_events + attempts().length);
  });
});
