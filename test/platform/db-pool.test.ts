/** GATEHOUSE_DB_POOL_SIZE bounds the PostgreSQL connections a server opens, however many requests arrive at once. */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe.runIf(!!process.env.DATABASE_URL)("the PostgreSQL pool", () => {
  let server: TestServer;
  let admin: GatehouseClient;

  beforeAll(async () => {
    server = await startTestServer({ env: { GATEHOUSE_DB_POOL_SIZE: "2" } });
    admin = await server.admin();
  });
  afterAll(() => server?.close());

  it("answers 40 requests at once through at most GATEHOUSE_DB_POOL_SIZE connections", async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, () => admin.Me()));
    expect(answers.every((a) => a.me.__typename === "User")).toBe(true);
    const monitor = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    try {
      const name = new URL(server.databaseUrl!).pathname.slice(1);
      const [{ n }] = await monitor<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = ${name} and backend_type = 'client backend'`;
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(2);
    } finally {
      await monitor.end();
    }
  });
});
