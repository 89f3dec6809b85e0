/**
 * myCases benchmark: `npm run bench:my-cases`. Prints figures; never a timed test.
 *
 * A portal contact's `myCases(first: 20)` through the whole stack (HTTP, Apollo, shield, session
 * lookup, drizzle, PostgreSQL), against a plain Fastify + postgres.js endpoint running the best SQL
 * we could write for the same page (bench/my-cases-baseline.ts), on a dataset of 150,000 cases and
 * 10,500 contacts (bench/my-cases-data.ts) in a fresh PostgreSQL database, dropped after.
 *
 * Both are measured with and without totalCount (the plain endpoint then counts too, in the
 * same statement), in alternating slices so that other work on the machine weighs on both alike;
 * besides requests/s and latency, the CPU each request cost the serving process and its
 * PostgreSQL backends (steadier than requests/s when other work shares the machine). Before
 * measuring, both must answer the same ids and totalCount. Then the EXPLAIN (ANALYZE, BUFFERS),
 * generic plans as prepared statements run them, of Gatehouse's page query with its count, captured
 * from the service itself (src/modules/cases/case.service.ts run in this process with a logging
 * drizzle), and of the plain endpoint's statement.
 *
 * Settings: DATABASE_URL (an administrative connection; default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_SECONDS (10: per target, variant and connection count), BENCH_ROUNDS (2: slices per
 * measurement), BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS ("10"), BENCH_POOL_SIZE (cores + 1:
 * database connections of each server), BENCH_VISIBLE_CASES (120:
 * the chosen contact reads about this many cases), BENCH_SERVER_NODE_ARGS (node flags for the server
 * only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), and the server's own GATEHOUSE_* settings.
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import argon2 from "argon2";
import autocannon from "autocannon";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres, { type Sql } from "postgres";
import { createClient } from "../client-sdk/src/index.js";
import { loadConfig } from "../src/config.js";
import type { Db } from "../src/db/client.js";
import * as schema from "../src/db/schema/index.js";
import { myCases } from "../src/modules/cases/case.service.js";
import { baselinePage } from "./my-cases-baseline.js";
import { DATASET, loadDataset } from "./my-cases-data.js";
import {
  type Child,
  fixed,
  freePort,
  freshPostgres,
  percentile,
  positive,
  positiveIntegers,
  processCpuMs,
  startChild,
  table,
  tail,
  waitUntilReady,
} from "./support.js";

const ADMIN_URL = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const SECONDS = positive("BENCH_SECONDS", 10);
const ROUNDS = Math.round(positive("BENCH_ROUNDS", 2));
const WARMUP_SECONDS = positive("BENCH_WARMUP_SECONDS", 3);
const CONNECTIONS = positiveIntegers("BENCH_CONNECTIONS", "10");
// Both servers get the same pool: about as many connections as cores served both best on this
// 2-core machine (fewer PostgreSQL backends contending for the cores than with 10).
const POOL_SIZE = Math.round(positive("BENCH_POOL_SIZE", availableParallelism() + 1));
const VISIBLE_CASES = positive("BENCH_VISIBLE_CASES", 120);
const PAGE = 20;
const ADMIN_PASSWORD = `bench-admin-${randomBytes(12).toString("hex")}`;
const PORTAL_PASSWORD = `bench-portal-${randomBytes(12).toString("hex")}`;

const NODE = "node { id number subject status createdAt queue { id name } contact { id firstName lastName } }";
const QUERIES = {
  count: `query { myCases(first: ${PAGE}) { totalCount edges { ${NODE} } } }`,
  noCount: `query { myCases(first: ${PAGE}) { edges { ${NODE} } } }`,
};
type Variant = keyof typeof QUERIES;
const VARIANT_NAMES: Record<Variant, string> = { count: "with totalCount", noCount: "without totalCount" };

type Target = {
  name: "gatehouse" | "plain";
  pid: number;
  /** application_name of its PostgreSQL connections, to charge their CPU to it. */
  appName: string;
  request: (variant: Variant) => { url: string; method: "GET" | "POST"; headers: Record<string, string>; body?: string };
};

type Connection = { totalCount?: number; edges: { node: { id: string } }[] };

/** The ids (and totalCount) of a myCases-shaped answer; throws on anything else. */
function parseAnswer(status: number, text: string): Connection {
  const body = JSON.parse(text) as { data?: { myCases?: Connection } | null; errors?: unknown[] };
  if (status !== 200 || body.errors || !body.data?.myCases) throw new Error(`HTTP ${status}: ${text.slice(0, 400)}`);
  return body.data.myCases;
}

async function fetchPage(target: Target, variant: Variant): Promise<Connection> {
  const { url, method, headers, body } = target.request(variant);
  const response = await fetch(url, { method, headers, body });
  return parseAnswer(response.status, await response.text());
}

type CpuSnapshot = { server: number | undefined; backends: Map<number, number> };

async function cpuSnapshot(monitor: Sql, database: string, target: Target): Promise<CpuSnapshot> {
  const backends = new Map<number, number>();
  const rows = await monitor<{ pid: number }[]>`
    select pid from pg_stat_activity where datname = ${database} and application_name = ${target.appName}`;
  for (const { pid } of rows) {
    const ms = processCpuMs(pid);
    if (ms !== undefined) backends.set(pid, ms);
  }
  return { server: processCpuMs(target.pid), backends };
}

type Slice = { seconds: number; latencies: number[]; errors: number; firstError?: string; serverCpu?: number; dbCpu: number };

/** One autocannon run against a target: each connection sends its next request when the last one answers. */
async function slice(target: Target, variant: Variant, connections: number, seconds: number, monitor: Sql, database: string): Promise<Slice> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let lastOk = false;
  const { url, method, headers, body } = target.request(variant);
  const before = await cpuSnapshot(monitor, database, target);
  const result = await autocannon({
    url,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method,
        headers,
        body,
        onResponse: (status, text) => {
          try {
            const answer = parseAnswer(status, text);
            lastOk = answer.edges.length === PAGE && (variant === "noCount" || typeof answer.totalCount === "number");
            if (!lastOk) firstError ??= `unexpected answer: ${text.slice(0, 300)}`;
          } catch (error) {
            lastOk = false;
            firstError ??= error instanceof Error ? error.message : String(error);
          }
        },
      },
    ],
    setupClient: (client) => {
      client.on("response", (_status: number, _bytes: number, latencyMs: number) => {
        if (lastOk) latencies.push(latencyMs);
        else errors++;
      });
    },
  });
  const after = await cpuSnapshot(monitor, database, target);
  let dbCpu = 0;
  for (const [pid, ms] of after.backends) dbCpu += ms - (before.backends.get(pid) ?? 0);
  const serverCpu = before.server !== undefined && after.server !== undefined ? after.server - before.server : undefined;
  return { seconds: result.duration, latencies, errors: errors + result.errors + result.timeouts, firstError, serverCpu, dbCpu };
}

type Row = {
  variant: Variant;
  target: Target["name"];
  connections: number;
  perSecond: number;
  p50: number;
  p99: number;
  ok: number;
  errors: number;
  serverCpuEach?: number;
  dbCpuEach: number;
  firstError?: string;
};

function summarise(target: Target, variant: Variant, connections: number, slices: Slice[]): Row {
  const latencies = slices.flatMap((s) => s.latencies);
  const ok = latencies.length;
  const serverCpu = slices.every((s) => s.serverCpu !== undefined) ? slices.reduce((n, s) => n + s.serverCpu!, 0) : undefined;
  return {
    variant,
    target: target.name,
    connections,
    perSecond: ok / slices.reduce((n, s) => n + s.seconds, 0),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ok,
    errors: slices.reduce((n, s) => n + s.errors, 0),
    serverCpuEach: serverCpu === undefined || ok === 0 ? undefined : serverCpu / ok,
    dbCpuEach: ok === 0 ? Number.NaN : slices.reduce((n, s) => n + s.dbCpu, 0) / ok,
    firstError: slices.find((s) => s.firstError)?.firstError,
  };
}

/** Gatehouse's own SQL for the contact's first page and its count: the service run here, drizzle logging what it sends. */
async function gatehouseQueries(url: string, viewer: { organisationId: string; contactId: string; companyId: string | null; profileId: string }) {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  const statements: { query: string; params: unknown[] }[] = [];
  try {
    const db = drizzle(client, { schema, logger: { logQuery: (query, params) => statements.push({ query, params }) } }) as unknown as Db;
    const page = await myCases({ db }, { kind: "Contact", ...viewer }, null, { first: PAGE, withCount: true });
    const totalCount = await page.totalCount;
    return { ids: page.edges.map((e) => e.node.id), totalCount, statements };
  } finally {
    await client.end();
  }
}

/** A parameter as an SQL literal, for EXECUTE. */
const literal = (value: unknown) =>
  typeof value === "number" ? String(value) : value === null ? "null" : `'${String(value).replace(/'/g, "''")}'`;

/**
 * EXPLAIN (ANALYZE, BUFFERS) of a parameterised statement as both servers run it: prepared, with
 * PostgreSQL's generic plan (what a prepared statement uses after its fifth execution when that
 * plan is not dearer than the custom ones; forced here). Run twice, the second shown.
 */
async function explainGeneric(explainer: Sql, query: string, params: unknown[]): Promise<string[]> {
  await explainer.unsafe(`prepare bench_explain as ${query}`);
  try {
    await explainer.unsafe("set plan_cache_mode = force_generic_plan");
    const text = `explain (analyze, buffers) execute bench_explain(${params.map(literal).join(", ")})`;
    await explainer.unsafe(text);
    const rows = await explainer.unsafe<{ "QUERY PLAN": string }[]>(text);
    return rows.map((r) => r["QUERY PLAN"]);
  } finally {
    await explainer.unsafe("reset plan_cache_mode");
    await explainer.unsafe("deallocate bench_explain");
  }
}

function printPlan(title: string, lines: string[]) {
  console.log(`\n  ${title}`);
  for (const line of lines) console.log(`    ${line}`);
}

async function main() {
  const config = loadConfig({ ...process.env, DATABASE_URL: undefined });
  const database = await freshPostgres(ADMIN_URL);
  const workDir = await mkdtemp(join(tmpdir(), "gatehouse-bench-my-cases-"));
  const children: Child[] = [];
  const monitor = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  const data = postgres(database.url, { max: 4, onnotice: () => {} });
  try {
    // 1. Gatehouse against the fresh database: it migrates it and creates the default organisation.
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const gatehouse = await startChild(
      // node flags for the server only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (NODE_OPTIONS would reach this process too).
      [...(process.env.BENCH_SERVER_NODE_ARGS ?? "").split(/\s+/).filter(Boolean), "--import", "tsx", "src/main.ts"],
      {
        ...process.env,
        DATABASE_URL: database.url,
        PGAPPNAME: "gatehouse",
        GATEHOUSE_DB_POOL_SIZE: String(POOL_SIZE),
        GATEHOUSE_PORT: String(port),
        GATEHOUSE_HOST: "127.0.0.1",
        GATEHOUSE_DATA_DIR: join(workDir, "data"),
        GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
      },
      join(workDir, "gatehouse.log"),
    );
    children.push(gatehouse);
    await waitUntilReady(`${baseUrl}/readyz`, gatehouse.process, gatehouse.logFile);

    // 2. The dataset, straight into the tables; one argon2id hash with the server's parameters for every account.
    const loadStart = performance.now();
    const passwordHash = await argon2.hash(PORTAL_PASSWORD, { type: argon2.argon2id, ...config.argon2 });
    const sizes = await loadDataset(data, passwordHash);
    await data`vacuum analyze`;
    const loadSeconds = (performance.now() - loadStart) / 1000;

    // 3. A contact of profile company_trackers (whose roles include accessOwnCompanyCases) reading about VISIBLE_CASES cases.
    const candidates = await data<{ id: string; n: number; login: string; company_id: string; organisation_id: string; profile_id: string }[]>`
      select c.id, c.company_id, c.organisation_id, pa.profile_id, pa.login, row_number() over (order by pa.login)::int as n
      from contacts c
      join portal_accounts pa on pa.contact_id = c.id
      join portal_profiles p on p.id = pa.profile_id and p.name = 'company_trackers'`;
    const visible = new Map<string, number>();
    for (let i = 0; i < candidates.length; i += 50) {
      await Promise.all(
        candidates.slice(i, i + 50).map(async (c) => {
          const [row] = await baselinePage(data, c.id, 1, true);
          visible.set(c.id, Number(row?.total ?? 0));
        }),
      );
    }
    const chosen = [...candidates].sort((a, b) => Math.abs(visible.get(a.id)! - VISIBLE_CASES) - Math.abs(visible.get(b.id)! - VISIBLE_CASES) || a.n - b.n)[0];
    const [stats] = await data<{ own: number; company: number; first_name: string; last_name: string; company_name: string }[]>`
      select c.first_name, c.last_name, co.name as company_name,
        (select count(*)::int from cases where contact_id = c.id) as own,
        (select count(*)::int from cases where company_id = c.company_id) as company
      from contacts c join companies co on co.id = c.company_id where c.id = ${chosen.id}`;

    // 4. Its token, through HTTP.
    const anonymous = createClient({ url: `${baseUrl}/graphql` });
    const { login } = await anonymous.Login({ input: { audience: "PORTAL", login: chosen.login, password: PORTAL_PASSWORD } });
    const portal = anonymous.withToken(login.token);

    // 5. The plain endpoint, in its own process like Gatehouse.
    const plainPort = await freePort();
    const plain = await startChild(
      ["--import", "tsx", "bench/my-cases-plain.ts"],
      { ...process.env, DATABASE_URL: database.url, PGAPPNAME: "plain", PORT: String(plainPort), POOL_SIZE: String(POOL_SIZE) },
      join(workDir, "plain.log"),
    );
    children.push(plain);
    await waitUntilReady(`http://127.0.0.1:${plainPort}/ready`, plain.process, plain.logFile);

    const targets: Target[] = [
      {
        name: "gatehouse",
        pid: gatehouse.process.pid!,
        appName: "gatehouse",
        request: (variant) => ({
          url: `${baseUrl}/graphql`,
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${login.token}` },
          body: JSON.stringify({ query: QUERIES[variant] }),
        }),
      },
      {
        name: "plain",
        pid: plain.process.pid!,
        appName: "plain",
        request: (variant) => ({
          url: `http://127.0.0.1:${plainPort}/my-cases?contact=${chosen.id}&first=${PAGE}&count=${variant === "count" ? 1 : 0}`,
          method: "GET",
          headers: { accept: "application/json" },
        }),
      },
    ];

    // 6. Both answer the same page, the same count, and the same whole list.
    const [ghPage, plainPage] = await Promise.all(targets.map((t) => fetchPage(t, "count")));
    const ghIds = ghPage.edges.map((e) => e.node.id);
    const plainIds = plainPage.edges.map((e) => e.node.id);
    if (ghIds.length !== PAGE || JSON.stringify(ghIds) !== JSON.stringify(plainIds) || ghPage.totalCount !== plainPage.totalCount) {
      throw new Error(`Gatehouse and the plain endpoint disagree:\n  gatehouse ${ghPage.totalCount} ${ghIds.join(",")}\n  plain     ${plainPage.totalCount} ${plainIds.join(",")}`);
    }
    const allGatehouse: string[] = [];
    for (let after: string | null = null; ; ) {
      const { myCases: page } = await portal.MyCases({ first: 100, after });
      allGatehouse.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const allPlain = (await baselinePage(data, chosen.id, 100_000, false)).map((r) => r.id);
    if (JSON.stringify(allGatehouse) !== JSON.stringify(allPlain) || allGatehouse.length !== ghPage.totalCount) {
      throw new Error(`the whole lists differ: Gatehouse ${allGatehouse.length} cases, plain ${allPlain.length}, totalCount ${ghPage.totalCount}`);
    }
    const captured = await gatehouseQueries(database.url, {
      organisationId: chosen.organisation_id,
      contactId: chosen.id,
      companyId: chosen.company_id,
      profileId: chosen.profile_id,
    });
    if (JSON.stringify(captured.ids) !== JSON.stringify(ghIds) || captured.totalCount !== ghPage.totalCount) {
      throw new Error("the service run in this process answers otherwise than the server");
    }

    console.log("Gatehouse myCases benchmark");
    console.log(`  machine   ${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown CPU"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`);
    console.log(`  database  PostgreSQL ${database.version}, database ${database.name} (dropped after)`);
    console.log(`  dataset   loaded in ${loadSeconds.toFixed(1)} s: ${Object.entries(sizes).map(([t, n]) => `${t} ${n}`).join(", ")}`);
    console.log(`            (${DATASET.companies} companies x ${DATASET.contactsPerCompany} contacts + ${DATASET.standalone} without company; reporters skewed to a few big customers)`);
    console.log(
      `  contact   ${stats.first_name} ${stats.last_name} of ${stats.company_name}, profile company_trackers: reads ${ghPage.totalCount} cases` +
        ` (reported ${stats.own}; its company has ${stats.company})`,
    );
    console.log(`  check     both endpoints answer the same ${PAGE} ids and totalCount, and the same ${allGatehouse.length} ids paging through all`);
    console.log(`  gatehouse POST /graphql ${QUERIES.count}  (bearer token; pool ${POOL_SIZE})`);
    console.log(`  plain     GET /my-cases: Fastify + postgres.js, one prepared statement (page + count); no authentication; pool ${POOL_SIZE}`);
    console.log(`  runs      ${SECONDS} s per target, variant and connection count, in ${ROUNDS} alternating slices; warm-up ${WARMUP_SECONDS} s each`);
    console.log(`  load avg  ${loadavg().map((l) => l.toFixed(2)).join(", ")} (1, 5, 15 min) before the runs`);

    // 7. Warm-up (JIT, caches, prepared statements on every pooled connection), then the runs.
    for (const variant of Object.keys(QUERIES) as Variant[]) {
      for (const target of targets) await slice(target, variant, Math.max(...CONNECTIONS), WARMUP_SECONDS / 2, monitor, database.name);
    }
    const rows: Row[] = [];
    for (const connections of CONNECTIONS) {
      for (const variant of Object.keys(QUERIES) as Variant[]) {
        process.stdout.write(`  measuring ${VARIANT_NAMES[variant]} at ${connections} connections...`);
        const slices = new Map<Target["name"], Slice[]>(targets.map((t) => [t.name, []]));
        for (let round = 0; round < ROUNDS; round++) {
          const order = round % 2 === 0 ? targets : [...targets].reverse();
          for (const target of order) {
            slices.get(target.name)!.push(await slice(target, variant, connections, SECONDS / ROUNDS, monitor, database.name));
            await sleep(300);
          }
        }
        for (const target of targets) rows.push(summarise(target, variant, connections, slices.get(target.name)!));
        process.stdout.write(" done\n");
      }
    }

    console.log("");
    table(
      ["variant", "target", "conns", "req/s", "p50 ms", "p99 ms", "ok", "errors", "server CPU ms/req", "PostgreSQL CPU ms/req"],
      rows.map((r) => [
        VARIANT_NAMES[r.variant],
        r.target,
        String(r.connections),
        fixed(r.perSecond, 0),
        fixed(r.p50, 2),
        fixed(r.p99, 2),
        String(r.ok),
        String(r.errors),
        fixed(r.serverCpuEach, 3),
        fixed(r.dbCpuEach, 3),
      ]),
    );
    console.log("");
    for (const connections of CONNECTIONS) {
      for (const variant of Object.keys(QUERIES) as Variant[]) {
        const gh = rows.find((r) => r.target === "gatehouse" && r.variant === variant && r.connections === connections)!;
        const pl = rows.find((r) => r.target === "plain" && r.variant === variant && r.connections === connections)!;
        const ratio = gh.perSecond / pl.perSecond;
        const cpuRatio =
          gh.serverCpuEach === undefined || pl.serverCpuEach === undefined
            ? Number.NaN
            : (pl.serverCpuEach + pl.dbCpuEach) / (gh.serverCpuEach + gh.dbCpuEach);
        console.log(
          `  ratio ${VARIANT_NAMES[variant].padEnd(18)} at ${connections} connections: ${fixed(ratio, 2)} of the plain endpoint's requests/s` +
            ` (target >= 0.5: ${ratio >= 0.5 ? "met" : "NOT met"}); p99 ${fixed(gh.p99, 2)} ms vs ${fixed(pl.p99, 2)} ms;` +
            ` CPU per request ${fixed(pl.serverCpuEach === undefined ? undefined : pl.serverCpuEach + pl.dbCpuEach, 2)} ms vs ${fixed(gh.serverCpuEach === undefined ? undefined : gh.serverCpuEach + gh.dbCpuEach, 2)} ms (ratio ${fixed(cpuRatio, 2)})`,
        );
      }
    }
    for (const r of rows) if (r.firstError) console.log(`  first error, ${r.target} ${VARIANT_NAMES[r.variant]}: ${r.firstError}`);
    console.log(`  load avg  ${loadavg().map((l) => l.toFixed(2)).join(", ")} after; above ${availableParallelism()} means other work shared the cores.`);
    console.log("  CPU columns: the serving process (all threads) and its PostgreSQL backends, per answered request (Linux only).");

    // 8. The plans, as the servers run them (generic plans of prepared statements).
    const [pageQuery, countQuery] = captured.statements;
    const baselineStatement: { query: string; params: unknown[] }[] = [];
    const explainer = postgres(database.url, {
      max: 1,
      prepare: false,
      onnotice: () => {},
      debug: (_connection, query, params) => void baselineStatement.push({ query, params }),
    });
    try {
      await baselinePage(explainer, chosen.id, PAGE + 1, true);
      const baseline = baselineStatement.at(-1)!;
      console.log("\n  EXPLAIN (ANALYZE, BUFFERS) with plan_cache_mode = force_generic_plan: both servers prepare their statements, so");
      console.log("  after five executions PostgreSQL runs these generic plans (checked: pg_prepared_statements.generic_plans).");
      printPlan(`Gatehouse page query with totalCount (as the service sends it):\n    ${pageQuery.query.replace(/\s+/g, " ")}`, await explainGeneric(explainer, pageQuery.query, pageQuery.params));
      if (countQuery) printPlan(`Gatehouse count query:\n    ${countQuery.query.replace(/\s+/g, " ")}`, await explainGeneric(explainer, countQuery.query, countQuery.params));
      printPlan("Plain endpoint's statement (page + count; bench/my-cases-baseline.ts):", await explainGeneric(explainer, baseline.query, baseline.params));
    } finally {
      await explainer.end();
    }
  } catch (error) {
    console.error(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    for (const child of children) console.error(`--- ${child.logFile}\n${await tail(child.logFile)}`);
    process.exitCode = 1;
  } finally {
    await data.end({ timeout: 5 });
    await monitor.end({ timeout: 5 });
    for (const child of children.reverse()) {
      const code = await child.stop();
      if (code !== 0 && code !== null) console.error(`${child.logFile}: exited with ${code} after SIGTERM:\n${await tail(child.logFile)}`);
    }
    await database.drop();
    await rm(workDir, { recursive: true, force: true });
  }
}

await main();
