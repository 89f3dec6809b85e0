import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { portalUser } from "../helpers/factories.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "../helpers/server.js";
import { codes, LOGIN, post, signInToken } from "./support.js";

const MAX_WAIT_MS = 20_000;
const CONCURRENT = 12;

let server: TestServer;
let admin: GatehouseClient;
let user: Awaited<ReturnType<typeof portalUser>>;

beforeAll(async () => {
  server = await startTestServer({
    env: {
      GATEHOUSE_HASH_CONCURRENCY: "1",
      GATEHOUSE_HASH_QUEUE_MAX: "1",
      // A queue that let sign-ins pile up and then time out would take this long to refuse them.
      GATEHOUSE_HASH_QUEUE_MAX_WAIT_MS: String(MAX_WAIT_MS),
    },
  });
  admin = server.anonymous.withToken(await signInToken(server.url, "STAFF", "admin", ADMIN_PASSWORD));
  user = await portalUser(admin);
});
afterAll(() => server?.close());

const loginAuditEvents = async (action: "login" | "loginFailed") => {
  const { auditEvents } = await admin.AuditEvents({ first: 100, filter: { action, entityId: user.contact.id } });
  return auditEvents.totalCount;
};
const failedLoginCount = async () => (await admin.Contact({ id: user.contact.id })).contact?.portalAccount?.failedLoginCount;

it("refuses sign-ins beyond the hashing queue at once with RATE_LIMITED, without counting them as failures", async () => {
  expect(await failedLoginCount()).toBe(0);
  const loginsBefore = await loginAuditEvents("login");

  // Watch the queue while the burst runs: it must never hold more than its settings allow.
  const peak = { running: 0, waiting: 0 };
  const watch = setInterval(() => {
    const { running, waiting } = server.deps.hasher.stats;
    peak.running = Math.max(peak.running, running);
    peak.waiting = Math.max(peak.waiting, waiting);
  }, 1);

  const attempts = await Promise.all(
    Array.from({ length: CONCURRENT }, async () => {
      const started = performance.now();
      const r = await post(server.url, {
        query: LOGIN,
        variables: { input: { audience: "PORTAL", login: user.login, password: user.password } },
      });
      return { ms: performance.now() - started, codes: codes(r.body), token: r.body?.data?.login?.token as string | undefined };
    }),
  );
  clearInterval(watch);

  const succeeded = attempts.filter((a) => a.token && a.codes.length === 0);
  const refused = attempts.filter((a) => a.codes.length === 1 && a.codes[0] === "RATE_LIMITED");
  expect(succeeded.length + refused.length, JSON.stringify(attempts)).toBe(CONCURRENT);
  expect(succeeded.length).toBeGreaterThanOrEqual(1);
  expect(refused.length).toBeGreaterThanOrEqual(1);
  // One hashing at a time, at most one waiting.
  expect(peak.running).toBeLessThanOrEqual(1);
  expect(peak.waiting).toBeLessThanOrEqual(1);
  // Refused at once, not after waiting out the queue's time limit.
  for (const a of refused) expect(a.ms).toBeLessThan(2_000);

  // Refusals are not failed sign-ins: no counter, no loginFailed event; each success is audited.
  expect(await failedLoginCount()).toBe(0);
  expect(await loginAuditEvents("loginFailed")).toBe(0);
  expect(await loginAuditEvents("login")).toBe(loginsBefore + succeeded.length);

  // The counter does count real failures (so the zero above means something).
  const wrong = await post(server.url, {
    query: LOGIN,
    variables: { input: { audience: "PORTAL", login: user.login, password: `${user.password}-wrong` } },
  });
  expect(codes(wrong.body)).toEqual(["INVALID_CREDENTIALS"]);
  expect(await failedLoginCount()).toBe(1);
  expect(await loginAuditEvents("loginFailed")).toBe(1);
});
