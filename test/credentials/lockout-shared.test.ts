import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { portalUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { outcome, testClock } from "./support.js";

// Two server processes can share only a PostgreSQL database (PGlite is embedded in one
// process); on PGlite the same race runs against one server in sign-in.test.ts.
describe.runIf(!!process.env.DATABASE_URL)("lockout shared by two server instances on one PostgreSQL database", () => {
  const time = testClock();
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    first = await startTestServer({ clock: time.clock });
    second = await startTestServer({ clock: time.clock, shareDatabaseOf: first });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it("parallel wrong attempts spread over both: exactly maxFailures INVALID_CREDENTIALS, the rest ACCOUNT_LOCKED, on both", async () => {
    const who = await portalUser(await first.admin());
    const attempt = (server: TestServer) =>
      outcome(server.anonymous.Login({ input: { audience: "PORTAL", login: who.login, password: "wrong-password-123456" } }));
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => attempt(i % 2 ? second : first)));
    expect(results.filter((c) => c === "INVALID_CREDENTIALS")).toHaveLength(5);
    expect(results.filter((c) => c === "ACCOUNT_LOCKED")).toHaveLength(11);
    // The lock holds on both, for the right password too.
    for (const server of [first, second]) {
      expect(await outcome(server.anonymous.Login({ input: { audience: "PORTAL", login: who.login, password: who.password } }))).toBe("ACCOUNT_LOCKED");
    }
    time.advanceMinutes(15);
    expect(await outcome(second.anonymous.Login({ input: { audience: "PORTAL", login: who.login, password: who.password } }))).toBe("OK");
  });
});
