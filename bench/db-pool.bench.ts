/**
 * Database pool under sustained load: `npm run bench:db-pool`. Prints figures; never a timed test.
 *
 * BENCH_CLIENTS (10) loops each send `select 1` through one postgres.js pool of BENCH_POOL_SIZE (3)
 * connections, for BENCH_WINDOWS (8) windows of BENCH_WINDOW_SECONDS (2), and prints queries per
 * second and this process's CPU per query in each window, and the last window's throughput as a
 * share of the first. With more clients than connections every connection stays busy: unpatched,
 * postgres.js 3.4's queue then grew by one slot per query and CPU per query rose without end
 * (here: 25 µs to 90 µs within 16 s, throughput down to 0.29 of the first window); with
 * patches/postgres+3.4.9.patch it stays flat.
 *
 * Settings: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), and the above.
 */
import postgres from "postgres";
import { fixed, positive, table } from "./support.js";

const DATABASE = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const CLIENTS = Math.round(positive("BENCH_CLIENTS", 10));
const POOL_SIZE = Math.round(positive("BENCH_POOL_SIZE", 3));
const WINDOWS = Math.round(positive("BENCH_WINDOWS", 8));
const WINDOW_SECONDS = positive("BENCH_WINDOW_SECONDS", 2);

const sql = postgres(DATABASE, { max: POOL_SIZE, onnotice: () => {} });
let queries = 0;
let stopping = false;
const client = async () => {
  while (!stopping) {
    await sql`select 1`;
    queries++;
  }
};
const clients = Array.from({ length: CLIENTS }, client);

const rows: string[][] = [];
const rates: number[] = [];
let counted = 0;
let cpu = process.cpuUsage();
for (let w = 0; w < WINDOWS; w++) {
  await new Promise((resolve) => setTimeout(resolve, WINDOW_SECONDS * 1000));
  const spent = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  const n = queries - counted;
  counted = queries;
  rates.push(n / WINDOW_SECONDS);
  rows.push([`${fixed(w * WINDOW_SECONDS, 0)}-${fixed((w + 1) * WINDOW_SECONDS, 0)} s`, fixed(n / WINDOW_SECONDS, 0), fixed(((spent.user + spent.system) / n), 1)]);
}
stopping = true;
await Promise.all(clients);
await sql.end();

console.log(`postgres.js pool: ${CLIENTS} clients, ${POOL_SIZE} connections, select 1`);
table(["window", "queries/s", "CPU µs/query"], rows);
console.log(`  last window ÷ first: ${fixed(rates.at(-1)! / rates[0], 2)} (flat is about 1; below means the pool slows as it runs)`);
