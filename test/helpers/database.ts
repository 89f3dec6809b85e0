import { randomBytes } from "node:crypto";
import postgres from "postgres";

/**
 * Where a test file's server keeps its data: a fresh PostgreSQL database of its own when
 * DATABASE_URL is set (created here, dropped after), otherwise an in-memory PGlite.
 */
export async function freshDatabaseUrl(): Promise<{ url: string | undefined; drop: () => Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) return { url: undefined, drop: async () => {} };
  const admin = new URL(base);
  const name = `${admin.pathname.slice(1) || "gatehouse"}_t${randomBytes(5).toString("hex")}`;
  const sql = postgres(base, { max: 1, onnotice: () => {} });
  await sql.unsafe(`create database "${name}"`);
  await sql.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const s = postgres(base, { max: 1, onnotice: () => {} });
      await s.unsafe(`drop database if exists "${name}" with (force)`);
      await s.end();
    },
  };
}
