import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { portalUser } from "../helpers/factories.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "../helpers/server.js";
import { codes, post, rows, signInToken } from "./support.js";

const IDLE_MINUTES = 5;
const ABSOLUTE_MINUTES = 20;
const MINUTE = 60_000;

/** The server's clock: tests move it forward. */
let now = new Date("2030-01-01T09:00:00Z");
const advance = (minutes: number) => {
  now = new Date(now.getTime() + minutes * MINUTE);
};

let server: TestServer;
let portalLogin: { login: string; password: string };

beforeAll(async () => {
  server = await startTestServer({ clock: () => now });
  const admin = server.anonymous.withToken(await signInToken(server.url, "STAFF", "admin", ADMIN_PASSWORD));
  // The timeouts come from the organisation group's authentication policy.
  await admin.UpdateAuthenticationPolicy({ input: { session: { idleTimeoutMinutes: IDLE_MINUTES, absoluteTimeoutMinutes: ABSOLUTE_MINUTES } } });
  portalLogin = await portalUser(admin);
});
afterAll(() => server?.close());

const ME = "query Me { me { __typename ... on Contact { id } ... on User { id } } }";
const me = (token?: string, headers?: Record<string, string>) => post(server.url, { query: ME }, { token, headers });
const meCode = async (token?: string, headers?: Record<string, string>) => codes((await me(token, headers)).body);
const signInPortal = () => signInToken(server.url, "PORTAL", portalLogin.login, portalLogin.password);

describe("logout", () => {
  it("ends the session: the next Me is UNAUTHENTICATED, while another session of the same account lives on", async () => {
    const token = await signInPortal();
    const other = await signInPortal();
    expect(await meCode(token)).toEqual([]);

    const out = await post(server.url, { query: "mutation Logout { logout }" }, { token });
    expect(out.body).toEqual({ data: { logout: true } });
    expect(await meCode(token)).toEqual(["UNAUTHENTICATED"]);
    expect(await meCode(other)).toEqual([]);
  });

  it("answers true without a token", async () => {
    const out = await post(server.url, { query: "mutation Logout { logout }" });
    expect(out.body).toEqual({ data: { logout: true } });
  });
});

describe("timeouts", () => {
  it("ends a session left idle longer than the policy's session.idleTimeoutMinutes", async () => {
    const token = await signInPortal();
    advance(IDLE_MINUTES - 1);
    expect(await meCode(token)).toEqual([]);
    advance(IDLE_MINUTES + 1);
    expect(await meCode(token)).toEqual(["UNAUTHENTICATED"]);
  });

  it("ends a session past the policy's session.absoluteTimeoutMinutes even when it was never idle", async () => {
    const token = await signInPortal();
    const step = IDLE_MINUTES - 2;
    let elapsed = 0;
    // Activity well within the idle time keeps the session from idling out ...
    while (elapsed + step < ABSOLUTE_MINUTES) {
      advance(step);
      elapsed += step;
      expect(await meCode(token), `after ${elapsed} minutes`).toEqual([]);
    }
    // ... until the absolute limit, passed while the last activity is still within the idle time.
    const last = ABSOLUTE_MINUTES - elapsed + 1;
    expect(last).toBeLessThan(IDLE_MINUTES);
    advance(last);
    expect(await meCode(token)).toEqual(["UNAUTHENTICATED"]);
  });

  it("are purged from the database once past their absolute expiry, and only then", async () => {
    const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");
    const stored = async (token: string) => (await rows(server.db, sql`select id from sessions where token_hash = ${hashOf(token)}`)).length;
    const token = await signInPortal();
    advance(ABSOLUTE_MINUTES - 1);
    await server.purgeExpiredSessions();
    expect(await stored(token)).toBe(1);
    advance(2);
    await server.purgeExpiredSessions();
    expect(await stored(token)).toBe(0);
    expect(await meCode(token)).toEqual(["UNAUTHENTICATED"]);
  });

  it("reports the absolute expiry at sign-in", async () => {
    const r = await post(server.url, {
      query: "mutation Login($input: LoginInput!) { login(input: $input) { token expiresAt } }",
      variables: { input: { audience: "PORTAL", login: portalLogin.login, password: portalLogin.password } },
    });
    expect(new Date(r.body!.data.login.expiresAt).getTime()).toBe(now.getTime() + ABSOLUTE_MINUTES * MINUTE);
  });
});

describe("bearer tokens", () => {
  it("answers UNAUTHENTICATED on me for a malformed or unknown bearer header", async () => {
    const token = await signInPortal();
    const malformed = [
      "Bearer",
      "Bearer ",
      `Bearer ${token} extra`,
      `Basic ${Buffer.from(`${portalLogin.login}:${portalLogin.password}`).toString("base64")}`,
      token,
      `Bearer ${token.slice(0, -2)}`,
      `Bearer ${token}x`,
      `Bearer ${"A".repeat(4000)}`,
    ];
    for (const authorization of malformed) {
      const r = await me(undefined, { authorization });
      expect(codes(r.body), JSON.stringify(authorization.slice(0, 40))).toEqual(["UNAUTHENTICATED"]);
      expect(r.body?.data ?? null).toBeNull();
    }
    // The well-formed header still works (the loop above did not end the session).
    expect(await meCode(token)).toEqual([]);
  });

  it("are stored only as SHA-256 hashes", async () => {
    const tokens = [await signInPortal(), await signInToken(server.url, "STAFF", "admin", ADMIN_PASSWORD)];
    const stored = await rows(server.db, sql`select * from sessions`);
    const dump = JSON.stringify(stored);
    for (const token of tokens) {
      expect(dump).not.toContain(token);
      const hash = createHash("sha256").update(token).digest("hex");
      expect(stored.filter((row) => row.token_hash === hash)).toHaveLength(1);
    }
    for (const row of stored) expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
