import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgDialect, PgQueryResultHKT, PgSession } from "drizzle-orm/pg-core";
import * as schema from "./schema/index.js";

/** Both drivers assign to this one type; services never know which is underneath. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction handle has the same query surface as the database. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

export type Database = {
  db: Db;
  kind: "pglite" | "postgres";
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
};

export type DatabaseOptions = {
  /** PostgreSQL URL; PGlite is used when absent. */
  url?: string;
  /** PGlite's folder; in memory when absent. */
  dataDir?: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
  /** Called with every SQL statement, for tests that count round trips. */
  onQuery?: (query: string) => void;
};

function migrationsFolder(): string {
  // src/db and dist/src/db sit at different depths: walk up to the folder holding drizzle/.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "drizzle");
    if (existsSync(join(candidate, "meta", "_journal.json"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("drizzle/meta/_journal.json not found above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

const logger = (onQuery?: (q: string) => void) => (onQuery ? { logQuery: (q: string) => onQuery(q) } : undefined);

/** Opens the database and applies pending migrations; each driver is loaded only when used. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const folder = migrationsFolder();
  if (options.url) {
    const { default: postgres } = await import("postgres");
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const { migrate } = await import("drizzle-orm/postgres-js/migrator");
    const client = postgres(options.url, { max: options.poolSize ?? 10, onnotice: () => {} });
    const db = drizzle(client, { schema, logger: logger(options.onQuery) });
    // Several server processes may start together: one migrates, the others wait.
    // A single-connection client, so that the session-level advisory lock covers every migration statement.
    const migrator = postgres(options.url, { max: 1, onnotice: () => {} });
    try {
      await migrator`select pg_advisory_lock(7265412)`;
      await migrate(drizzle(migrator, { schema }), { migrationsFolder: folder });
    } finally {
      await migrator.end({ timeout: 5 });
    }
    return {
      db: db as unknown as Db,
      kind: "postgres",
      ping: async () => void (await client`select 1`),
      close: () => client.end({ timeout: 5 }),
    };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  let dataDir: string | undefined;
  if (options.dataDir) {
    dataDir = resolve(options.dataDir, "pglite");
    mkdirSync(dataDir, { recursive: true });
  }
  const client = dataDir ? new PGlite(dataDir) : new PGlite();
  await client.waitReady;
  const db = drizzle(client, { schema, logger: logger(options.onQuery) });
  await migrate(db, { migrationsFolder: folder });
  return {
    db: db as unknown as Db,
    kind: "pglite",
    ping: async () => void (await client.query("select 1")),
    close: () => client.close(),
  };
}

export { schema, sql };

/**
 * A raw statement with `sql.placeholder()`s, prepared as a query builder's `.prepare(name)` is:
 * drizzle offers that only to its builders, and on postgres.js an unprepared statement is parsed
 * and planned by PostgreSQL on every run. Answers the rows as objects, on either driver; with
 * `mapRows`, as arrays of column values (timestamps as PostgreSQL's text) that it maps.
 */
export function prepareRaw<Row>(db: Db, name: string, query: SQL, mapRows?: (rows: any[][]) => Row[]) {
  const { session, dialect } = db as unknown as { session: PgSession; dialect: PgDialect };
  const prepared = session.prepareQuery(dialect.sqlToQuery(query), undefined, name, mapRows !== undefined, mapRows as any);
  return async (values: Record<string, unknown>): Promise<Row[]> => {
    const result = (await prepared.execute(values)) as Row[] | { rows: Row[] };
    return Array.isArray(result) ? result : result.rows;
  };
}

/** What `build` makes for a database, made once per database: building drizzle SQL costs more CPU than running it. */
export function perDatabase<T>(build: (db: Db) => T): (db: Db) => T {
  const built = new WeakMap<Db, T>();
  return (db) => {
    let value = built.get(db);
    if (value === undefined) built.set(db, (value = build(db)));
    return value;
  };
}
