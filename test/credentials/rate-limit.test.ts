import { afterAll, beforeAll, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { portalUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { rows } from "../platform/support.js";
import { outcome, testClock } from "./support.js";

const time = testClock();
let server: TestServer;

beforeAll(async () => {
  // A low limit for this server only; the rest of the suite runs with a high one (test/helpers/server.ts).
  server = await startTestServer({ clock: time.clock, env: { GATEHOUSE_SIGNIN_RATE_PER_MINUTE: "4" } });
});
afterAll(() => server?.close());

it("refuses sign-ins past GATEHOUSE_SIGNIN_RATE_PER_MINUTE per address with RATE_LIMITED, not counted as failures", async () => {
  const admin = await server.admin(); // the first of 4 this minute
  const who = await portalUser(admin);
  const attempt = (password: string) => outcome(server.anonymous.Login({ input: { audience: "PORTAL", login: who.login, password } }));
  expect(await attempt("wrong-password-123456")).toBe("INVALID_CREDENTIALS");
  expect(await attempt("wrong-password-123456")).toBe("INVALID_CREDENTIALS");
  expect(await attempt("wrong-password-123456")).toBe("INVALID_CREDENTIALS");
  for (let i = 0; i < 5; i++) expect(await attempt("wrong-password-123456")).toBe("RATE_LIMITED");
  expect(await attempt(who.password)).toBe("RATE_LIMITED");
  const [throttle] = await rows(server.db, sql`select failures from login_throttles`);
  expect(Number(throttle.failures)).toBe(3);
  time.advanceMinutes(1);
  expect(await attempt(who.password)).toBe("OK");
});
