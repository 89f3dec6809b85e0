import { afterAll, beforeAll, expect, it } from "vitest";
import { securityMatrix } from "../helpers/principals.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

it("signs in every principal of the security matrix", async () => {
  const m = await securityMatrix(server, await server.admin());
  expect((await m.portal.Me()).me.__typename).toBe("Contact");
  expect((await m.staff.Me()).me.__typename).toBe("User");
  expect((await m.otherOrganisation.Me()).me.__typename).toBe("User");
  const anon = await m.anonymous.execute("{ me { __typename } }");
  expect(anon.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
});
