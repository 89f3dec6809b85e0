import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import type { Clock } from "../../src/context.js";
import { createClient, type GatehouseClient } from "../../client-sdk/src/index.js";
import { freshDatabaseUrl } from "./database.js";

export const ADMIN_PASSWORD = "admin-password-for-tests-only";

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

/**
 * Starts a whole Gatehouse on a free port with a database of its own; clients talk to it
 * over real HTTP with the SDK. Log lines are kept for tests that read them.
 */
export async function startTestServer(options: { env?: Record<string, string>; clock?: Clock; shareDatabaseOf?: { databaseUrl: string | undefined } } = {}) {
  // A second server on another's PostgreSQL database (two processes sharing one database); the owner drops it.
  const database = options.shareDatabaseOf
    ? { url: options.shareDatabaseOf.databaseUrl, drop: async () => {} }
    : await freshDatabaseUrl();
  // PGlite keeps its files in the data dir: every server gets its own, or concurrent test
  // files would share (and corrupt) one database.
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-test-"));
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  const config = loadConfig({
    GATEHOUSE_PORT: "0",
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: "info",
    // The suite signs in a lot from 127.0.0.1; one dedicated test sets a low limit.
    GATEHOUSE_SIGNIN_RATE_PER_MINUTE: "1000000",
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...options.env,
  });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  // Every SQL statement the server sends, for tests that count round trips.
  const queries: string[] = [];
  const { server, database: db } = await createApp(config, { logStream, clock: options.clock, onQuery: (q) => queries.push(q) }).catch(async (error) => {
    await database.drop();
    removeDataDir();
    throw error;
  });
  const address = await server.app.listen({ port: 0, host: "127.0.0.1" });
  const url = `${address}/graphql`;
  const anonymous = createClient({ url });

  async function signIn(audience: "STAFF" | "PORTAL", login: string, password: string): Promise<GatehouseClient> {
    const { login: result } = await anonymous.Login({ input: { audience, login, password } });
    return anonymous.withToken(result.token);
  }

  return {
    url,
    baseUrl: address,
    databaseUrl: database.url,
    logs,
    queries,
    db: db.db,
    dbKind: db.kind,
    deps: server.deps,
    /** One outbox delivery pass, run now: tests call it instead of waiting for the worker. */
    deliverDue: () => server.deliverDue(),
    /** The hourly purge of sessions past their absolute expiry, run now. */
    purgeExpiredSessions: () => server.purgeExpiredSessions(),
    dataDir,
    anonymous,
    signIn,
    /** A client signed in as the initial super user. */
    admin: () => signIn("STAFF", "admin", ADMIN_PASSWORD),
    async close() {
      await server.close();
      await database.drop();
      removeDataDir();
    },
  };
}
