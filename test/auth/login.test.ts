import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatehouseError } from "../../client-sdk/src/index.js";
import { portalUser } from "../helpers/factories.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "../helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e) => e,
  );
  expect(error).toBeInstanceOf(GatehouseError);
  return error as GatehouseError;
};

describe("login", () => {
  it("signs the initial admin in as staff, case-insensitively, and me answers", async () => {
    const admin = await server.signIn("STAFF", "ADMIN", ADMIN_PASSWORD);
    const { me } = await admin.Me();
    expect(me).toMatchObject({ __typename: "User", username: "admin", superUser: true, signInUnit: null });
  });

  it("signs a contact in to the portal, and me shows its own portal account", async () => {
    const admin = await server.admin();
    const user = await portalUser(admin);
    const portal = await server.signIn("PORTAL", user.login.toUpperCase(), user.password);
    const { me } = await portal.Me();
    expect(me).toMatchObject({ __typename: "Contact", id: user.contact.id, portalAccount: { login: user.login, profile: { id: user.profileId } } });
  });

  it("answers INVALID_CREDENTIALS alike for an unknown login and a wrong password", async () => {
    const admin = await server.admin();
    const user = await portalUser(admin);
    const wrong = await refusal(server.signIn("PORTAL", user.login, "not-the-password-at-all"));
    const unknown = await refusal(server.signIn("PORTAL", "nobody-" + user.login, user.password));
    expect(wrong.code).toBe("INVALID_CREDENTIALS");
    expect(unknown.code).toBe("INVALID_CREDENTIALS");
    expect(wrong.message).toBe(unknown.message);
  });
});

describe("login's statements", () => {
  /** Every statement one successful portal sign-in sends (the servers run no mail worker). */
  async function signInStatements(target: TestServer) {
    const admin = await target.admin();
    const user = await portalUser(admin);
    target.queries.length = 0;
    await target.signIn("PORTAL", user.login, user.password);
    return [...target.queries];
  }

  it("is one read and one write, which commits asynchronously by default", async () => {
    const quiet = await startTestServer({ env: { GATEHOUSE_MAIL_POLL_MS: "0" } });
    const statements = await signInStatements(quiet).finally(() => quiet.close());
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(/^select /);
    expect(statements[1]).toMatch(/insert into "sessions"/);
    expect(statements[1]).toContain("set_config('synchronous_commit', 'off', true)");
  });

  it("waits for the disk with GATEHOUSE_SIGNIN_SYNC_COMMIT=true", async () => {
    const durable = await startTestServer({ env: { GATEHOUSE_SIGNIN_SYNC_COMMIT: "true", GATEHOUSE_MAIL_POLL_MS: "0" } });
    try {
      const statements = await signInStatements(durable);
      expect(statements).toHaveLength(2);
      expect(statements[1]).toContain("set_config('synchronous_commit', 'on', true)");
    } finally {
      await durable.close();
    }
  });
});
