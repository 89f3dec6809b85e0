import { ensureInitialAdmin } from "./bootstrap.js";
import { type Config, weakArgon2Settings } from "./config.js";
import { openDatabase } from "./db/client.js";
import { buildServer, type ServerOptions } from "./server.js";

/** Opens the database (migrating it), creates the initial admin if needed, and builds the server. */
export async function createApp(
  config: Config,
  options: Omit<ServerOptions, "config" | "database"> & { onQuery?: (query: string) => void } = {},
) {
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : config.dataDir,
    poolSize: config.dbPoolSize,
    onQuery: options.onQuery,
  });
  const server = await buildServer({ ...options, config, database });
  for (const weak of weakArgon2Settings(config)) server.app.log.warn(`weak password hashing: ${weak} (OWASP minimum)`);
  const admin = await ensureInitialAdmin(database.db, server.deps.hasher, config);
  return { server, database, admin };
}
