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
