/**
 * Logins per second through the whole stack (HTTP, GraphQL, shield, database, argon2id) against raw argon2id
 * verifications per second with the same parameters, so that the ratio shows what the stack costs beyond the hash.
 *
 * Settings: BENCH_SECONDS (10, raw and HTTP each, per concurrency), BENCH_ROUNDS (5 alternating raw/HTTP slices),
 * BENCH_WARMUP_SECONDS (3), BENCH_CONCURRENCY ("2,50"), BENCH_SERVER_NODE_ARGS (node flags for the server only,
 * e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), BENCH_LOG_LEVEL (warn), DATABASE_URL (PostgreSQL, in a fresh
 * database dropped after; PGlite otherwise), and the server's own GATEHOUSE_* settings.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import argon2 from "argon2";
import autocannon from "autocannon";
import { print } from "graphql";
import postgres from "postgres";
import { createClient, LoginDocument } from "../client-sdk/src/index.js";
import { loadConfig } from "../src/config.js";
import { freePort, percentile, positive } from "./support.js";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const SECONDS = positive("BENCH_SECONDS", 10);
const ROUNDS = Math.round(positive("BENCH_ROUNDS", 5));
const WARMUP_SECONDS = positive("BENCH_WARMUP_SECONDS", 3);
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY || "2,50").split(",").map((n) => {
  const value = Number(n);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`BENCH_CONCURRENCY: a comma-separated list of positive integers (got ${JSON.stringify(n)})`);
  return value;
});
const ADMIN_PASSWORD = `bench-admin-${randomBytes(12).toString("hex")}`;
const PORTAL_LOGIN = "bench.portal@example.com";
const PORTAL_PASSWORD = `bench-portal-${randomBytes(12).toString("hex")}`;



/** A fresh PostgreSQL database beside the one DATABASE_URL names, or none for PGlite. */
async function freshDatabase(base: string | undefined) {
  if (!base) return { url: undefined, name: undefined, description: undefined, drop: async () => {} };
  const name = `gatehouse_bench_${randomBytes(5).toString("hex")}`;
  const sql = postgres(base, { max: 1, onnotice: () => {} });
  await sql.unsafe(`create database "${name}"`);
  const [{ version }] = await sql<{ version: string }[]>`select current_setting('server_version') as version`;
  await sql.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    description: `PostgreSQL ${version}, database ${name} (dropped after)`,
    drop: async () => {
      const s = postgres(base, { max: 1, onnotice: () => {} });
      await s.unsafe(`drop database if exists "${name}" with (force)`);
      await s.end();
    },
  };
}

async function waitUntilReady(baseUrl: string, child: ChildProcess, logFile: string) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${await tail(logFile)}`);
    const ok = await fetch(`${baseUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`server not ready after 120 s:\n${await tail(logFile)}`);
}

async function tail(file: string) {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.split("\n").slice(-30).join("\n");
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU ms used so far by a process's main thread (its event loop) and by all its threads; undefined off Linux. */
function processCpu(pid: number): { loop: number; all: number } | undefined {
  const ms = (file: string) => {
    const fields = readFileSync(file, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  };
  try {
    return { loop: ms(`/proc/${pid}/task/${pid}/stat`), all: ms(`/proc/${pid}/stat`) };
  } catch {
    return undefined;
  }
}

/** CPU ms this process has used, all threads. */
const ownCpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Cumulative CPU ms of the server's event loop, of all its threads, of this process, and of the database's backends by pid. */
type CpuSnapshot = { loop: number; server: number; client: number; backends: Map<number, number> };
type CpuProbe = () => Promise<CpuSnapshot | undefined>;
type CpuSpent = { loop: number; otherThreads: number; database: number; client: number };

function cpuBetween(a: CpuSnapshot | undefined, b: CpuSnapshot | undefined): CpuSpent | undefined {
  if (!a || !b) return undefined;
  let database = 0;
  for (const [pid, ms] of b.backends) database += ms - (a.backends.get(pid) ?? 0);
  return { loop: b.loop - a.loop, otherThreads: b.server - b.loop - (a.server - a.loop), database, client: b.client - a.client };
}

/** Waits until the server is idle again: autocannon drops its connections at the deadline, and the server still finishes those logins. */
async function settle(pid: number) {
  const deadline = Date.now() + 30_000;
  let before = processCpu(pid);
  if (!before) return sleep(2000);
  while (Date.now() < deadline) {
    await sleep(250);
    const now = processCpu(pid);
    if (!now || now.all - before.all < 25) return;
    before = now;
  }
}

/** Raw argon2id verifications with `inFlight` promises on libuv's pool for `seconds`. */
async function rawVerifications(hash: string, password: string, inFlight: number, seconds: number) {
  let count = 0;
  const cpuBefore = ownCpu();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      if (!(await argon2.verify(hash, password))) throw new Error("raw verification failed");
      count++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { count, seconds: (performance.now() - start) / 1000, cpuMs: ownCpu() - cpuBefore };
}

type HttpSlice = {
  seconds: number;
  okLatencies: number[];
  refusedLatencies: number[];
  errors: number;
  firstError: string | undefined;
  /** CPU spent inside the slice (away from its ramp-up and cut-off), and the logins that finished in that window. */
  cpu: CpuSpent | undefined;
  loginsInCpuWindow: number;
};

const loginBody = () =>
  JSON.stringify({
    operationName: "Login",
    query: print(LoginDocument),
    variables: { input: { audience: "PORTAL", login: PORTAL_LOGIN, password: PORTAL_PASSWORD } },
  });

/** Logins through HTTP for `seconds` with `connections` clients, each sending its next login when the last one answers. */
async function httpLogins(url: string, connections: number, seconds: number, probe: CpuProbe): Promise<HttpSlice> {
  const okLatencies: number[] = [];
  const okTimes: number[] = [];
  const refusedLatencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  // autocannon calls a request's onResponse, then emits the client's "response" with its latency, in one tick.
  let lastOutcome: "ok" | "refused" | "other" = "other";

  const start = performance.now();
  const margin = Math.min(1000, (seconds * 1000) / 5);
  const sample = (at: number) =>
    new Promise<{ at: number; cpu: CpuSnapshot | undefined }>((done) =>
      setTimeout(async () => done({ cpu: await probe(), at: performance.now() }), Math.max(0, at - (performance.now() - start))),
    );
  const first = sample(margin);
  const last = sample(seconds * 1000 - margin);

  const result = await autocannon({
    url,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: loginBody(),
        onResponse: (status, text) => {
          let parsed: { data?: { login?: { token?: string } } | null; errors?: { extensions?: { code?: string } }[] } = {};
          try {
            parsed = JSON.parse(text);
          } catch {
            // A body that is not JSON counts as an error below.
          }
          if (status === 200 && parsed.data?.login?.token) lastOutcome = "ok";
          else if (parsed.errors?.[0]?.extensions?.code === "RATE_LIMITED") lastOutcome = "refused";
          else {
            lastOutcome = "other";
            firstError ??= `HTTP ${status}: ${text.slice(0, 300)}`;
          }
        },
      },
    ],
    setupClient: (client) => {
      client.on("response", (_status: number, _bytes: number, latencyMs: number) => {
        if (lastOutcome === "ok") {
          okLatencies.push(latencyMs);
          okTimes.push(performance.now());
        } else if (lastOutcome === "refused") refusedLatencies.push(latencyMs);
        else errors++;
      });
    },
  });
  const [a, b] = await Promise.all([first, last]);
  return {
    seconds: result.duration,
    okLatencies,
    refusedLatencies,
    errors: errors + result.errors,
    firstError,
    cpu: cpuBetween(a.cpu, b.cpu),
    loginsInCpuWindow: okTimes.filter((t) => t > a.at && t <= b.at).length,
  };
}


type Row = {
  concurrency: number;
  rawPerSecond: number;
  rawCpuEach: number;
  loginsPerSecond: number;
  ok: number;
  refused: number;
  errors: number;
  p50: number;
  p99: number;
  refusedP50: number;
  /** CPU ms per successful login. */
  cpu: CpuSpent | undefined;
  load: number;
  firstError: string | undefined;
};

/** Raw and HTTP alternate in ROUNDS slices, so that other work on the machine weighs on both about alike. */
async function measure(concurrency: number, hash: string, graphqlUrl: string, serverPid: number, probe: CpuProbe): Promise<Row> {
  const slice = SECONDS / ROUNDS;
  let rawCount = 0;
  let rawSeconds = 0;
  let rawCpu = 0;
  const slices: HttpSlice[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const raw = await rawVerifications(hash, PORTAL_PASSWORD, concurrency, slice);
    rawCount += raw.count;
    rawSeconds += raw.seconds;
    rawCpu += raw.cpuMs;
    slices.push(await httpLogins(graphqlUrl, concurrency, slice, probe));
    await settle(serverPid);
  }
  const ok = slices.flatMap((s) => s.okLatencies);
  const refused = slices.flatMap((s) => s.refusedLatencies);
  const windowLogins = slices.reduce((n, s) => n + s.loginsInCpuWindow, 0);
  const spent = slices.map((s) => s.cpu);
  const cpu =
    windowLogins > 0 && spent.every((c) => c !== undefined)
      ? {
          loop: spent.reduce((n, c) => n + c!.loop, 0) / windowLogins,
          otherThreads: spent.reduce((n, c) => n + c!.otherThreads, 0) / windowLogins,
          database: spent.reduce((n, c) => n + c!.database, 0) / windowLogins,
          client: spent.reduce((n, c) => n + c!.client, 0) / windowLogins,
        }
      : undefined;
  return {
    concurrency,
    rawPerSecond: rawCount / rawSeconds,
    rawCpuEach: rawCpu / rawCount,
    loginsPerSecond: ok.length / slices.reduce((n, s) => n + s.seconds, 0),
    ok: ok.length,
    refused: refused.length,
    errors: slices.reduce((n, s) => n + s.errors, 0),
    p50: percentile(ok, 50),
    p99: percentile(ok, 99),
    refusedP50: percentile(refused, 50),
    cpu,
    load: loadavg()[0],
    firstError: slices.find((s) => s.firstError)?.firstError,
  };
}

function table(header: string[], lines: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]) => "  " + cells.map((c, i) => c.padStart(widths[i])).join("  ");
  console.log(format(header));
  for (const line of lines) console.log(format(line));
}

const fixed = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? "-" : n.toFixed(digits));

function report(rows: Row[]) {
  console.log("");
  table(
    ["clients", "raw verif/s", "logins/s", "ratio", "p50 ms", "p99 ms", "ok", "refused", "refused p50 ms", "errors"],
    rows.map((r) => [
      String(r.concurrency),
      fixed(r.rawPerSecond),
      fixed(r.loginsPerSecond),
      fixed(r.loginsPerSecond / r.rawPerSecond, 2),
      fixed(r.p50),
      fixed(r.p99),
      String(r.ok),
      String(r.refused),
      fixed(r.refusedP50),
      String(r.errors),
    ]),
  );
  console.log("  ratio = logins/s through HTTP, GraphQL, shield, database and argon2id ÷ raw argon2id verifications/s (target ≥ 0.8);");
  console.log("  p50/p99 are of successful logins; refused = RATE_LIMITED by the hashing queue; errors = anything else.");
  console.log("");
  console.log("  Where the CPU went, in ms per successful login (Linux only):");
  table(
    ["clients", "raw verify", "server loop", "server threads", "database", "autocannon", "CPU ratio", "load 1m"],
    rows.map(({ concurrency, rawCpuEach, cpu, load }) => [
      String(concurrency),
      fixed(rawCpuEach),
      fixed(cpu?.loop),
      fixed(cpu?.otherThreads),
      fixed(cpu?.database),
      fixed(cpu?.client),
      cpu ? fixed(rawCpuEach / (cpu.loop + cpu.otherThreads + cpu.database), 2) : "-",
      fixed(load, 2),
    ]),
  );
  console.log("  raw verify = one raw verification; server loop = the server's main thread (the event loop, and PGlite when");
  console.log("  embedded); server threads = its other threads (hashing, GC); database = this run's PostgreSQL backends.");
  console.log("  CPU ratio = raw verify ÷ (loop + threads + database): the server's share of CPU that goes to hashing, what");
  console.log("  the ratio tends to when the cores are the limit and the load generator runs elsewhere. A load average");
  console.log(`  above ${availableParallelism()} means other work shared the cores: throughput figures are then low for both columns.`);
  for (const { concurrency, firstError } of rows) {
    if (firstError) console.log(`  first error at ${concurrency} clients: ${firstError}`);
  }
}

async function main() {
  const config = loadConfig(process.env);
  const database = await freshDatabase(config.databaseUrl);
  const workDir = await mkdtemp(join(tmpdir(), "gatehouse-bench-"));
  const logFile = join(workDir, "server.log");
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const graphqlUrl = `${baseUrl}/graphql`;

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GATEHOUSE_PORT: String(port),
    GATEHOUSE_HOST: "127.0.0.1",
    GATEHOUSE_DATA_DIR: join(workDir, "data"),
    GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // Every benchmark client comes from 127.0.0.1: the per-address throttle would refuse all but 60 a minute.
    GATEHOUSE_SIGNIN_RATE_PER_MINUTE: "10000000",
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
  };
  if (database.url) env.DATABASE_URL = database.url;
  else delete env.DATABASE_URL;

  const log = createWriteStream(logFile);
  await once(log, "open");
  // node flags go to the server only: NODE_OPTIONS would reach this process too, and refuses --cpu-prof.
  const serverArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
  const server = spawn(process.execPath, [...serverArgs, "--import", "tsx", "src/main.ts"], { cwd: ROOT, env, stdio: ["ignore", log, log] });
  const exited = once(server, "exit");
  // The database's backends serving this run: their CPU is part of each login's cost too.
  const monitor = database.url ? postgres(config.databaseUrl!, { max: 1, onnotice: () => {} }) : undefined;

  try {
    await waitUntilReady(baseUrl, server, logFile);
    const serverPid = server.pid!;

    // One portal contact, set up through the SDK as an administrator would.
    const anonymous = createClient({ url: graphqlUrl });
    const { login: adminLogin } = await anonymous.Login({ input: { audience: "STAFF", login: "admin", password: ADMIN_PASSWORD } });
    const admin = anonymous.withToken(adminLogin.token);
    const { createCustomerGroup: group } = await admin.CreateCustomerGroup({ input: { name: "Bench customers", portalEnabled: true } });
    const { createCompany: company } = await admin.CreateCompany({ input: { name: "Bench Ltd", customerGroupId: group.id } });
    const { createContact: contact } = await admin.CreateContact({ input: { firstName: "Bench", lastName: "Portal", companyId: company.id } });
    // A contact signs in only with a portal profile; an empty one grants nothing and costs the login nothing extra.
    const { createPortalProfile: profile } = await admin.CreatePortalProfile({ input: { name: "Bench profile", roleIds: [] } });
    await admin.SetPortalAccess({ input: { contactId: contact.id, login: PORTAL_LOGIN, password: PORTAL_PASSWORD, profileId: profile.id } });
    await anonymous.Login({ input: { audience: "PORTAL", login: PORTAL_LOGIN, password: PORTAL_PASSWORD } });

    const probe: CpuProbe = async () => {
      const cpu = processCpu(serverPid);
      if (!cpu) return undefined;
      const backends = new Map<number, number>();
      if (monitor) {
        for (const { pid } of await monitor<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${database.name!}`) {
          const backend = processCpu(pid);
          if (backend) backends.set(pid, backend.all);
        }
      }
      return { loop: cpu.loop, server: cpu.all, client: ownCpu(), backends };
    };

    const hash = await argon2.hash(PORTAL_PASSWORD, { type: argon2.argon2id, ...config.argon2 });
    console.log("Gatehouse login benchmark");
    console.log(`  machine   ${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown CPU"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`);
    console.log(`  database  ${database.description ?? "PGlite (embedded: runs in the server's event loop)"}`);
    console.log(`  argon2id  m=${config.argon2.memoryCost} KiB, t=${config.argon2.timeCost}, p=${config.argon2.parallelism}`);
    console.log(
      `  hashing   concurrency ${config.hashing.concurrency}, queue max ${config.hashing.queueMax}, queue max wait ${config.hashing.maxWaitMs} ms,` +
        ` UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE} (server and this process)`,
    );
    console.log(`  load avg  ${loadavg().map((l) => l.toFixed(2)).join(", ")} (1, 5, 15 min) before the run`);
    console.log(`  runs      ${SECONDS} s raw + ${SECONDS} s HTTP per concurrency in ${ROUNDS} alternating slices; warm-up ${WARMUP_SECONDS} s`);

    // Warms up the server's JIT and the database's caches; these figures are thrown away.
    await httpLogins(graphqlUrl, CONCURRENCIES[0] ?? 2, WARMUP_SECONDS, probe);
    await settle(serverPid);

    const rows: Row[] = [];
    for (const concurrency of CONCURRENCIES) {
      process.stdout.write(`  measuring ${concurrency} clients...`);
      rows.push(await measure(concurrency, hash, graphqlUrl, serverPid, probe));
      process.stdout.write(" done\n");
    }
    report(rows);
  } catch (error) {
    console.error(`benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
    console.error(await tail(logFile));
    process.exitCode = 1;
  } finally {
    await monitor?.end();
    if (server.exitCode === null && server.signalCode === null) server.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    if (code !== 0) console.error(`server exited with ${code} after SIGTERM:\n${await tail(logFile)}`);
    log.end();
    await database.drop();
    await rm(workDir, { recursive: true, force: true });
  }
}

await main();
