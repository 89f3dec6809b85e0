/**
 * Helpers for benchmarks that start the real server as a child process: the same steps as
 * bench/login-run.ts (which keeps its own copies), for bench/my-cases.bench.ts.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import postgres from "postgres";

export const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

export function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}: must be a positive number (got ${JSON.stringify(raw)})`);
  return value;
}

export function positiveIntegers(name: string, fallback: string): number[] {
  return (process.env[name] || fallback).split(",").map((n) => {
    const value = Number(n);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name}: a comma-separated list of positive integers (got ${JSON.stringify(n)})`);
    return value;
  });
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

export type FreshDatabase = { url: string; name: string; version: string; drop: () => Promise<void> };

/** A fresh PostgreSQL database beside the one `adminUrl` names; `drop` removes it. */
export async function freshPostgres(adminUrl: string): Promise<FreshDatabase> {
  const name = `gatehouse_bench_${randomBytes(5).toString("hex")}`;
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  let version: string;
  try {
    await sql.unsafe(`create database "${name}"`);
    [{ version }] = await sql<{ version: string }[]>`select current_setting('server_version') as version`;
  } finally {
    await sql.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    version,
    drop: async () => {
      const s = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await s.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await s.end();
      }
    },
  };
}

export async function tail(file: string, lines = 30) {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.split("\n").slice(-lines).join("\n");
}

/** Polls `url` until it answers 2xx; fails early when the child exits. */
export async function waitUntilReady(url: string, child: ChildProcess, logFile: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${logFile}: process exited with ${child.exitCode}:\n${await tail(logFile)}`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`not ready after ${timeoutMs / 1000} s (${url}):\n${await tail(logFile)}`);
}

export type Child = { process: ChildProcess; logFile: string; stop: () => Promise<number | null> };

/** Starts `node [args]` from the repository root with its output in `logFile`; `stop` sends SIGTERM and waits. */
export async function startChild(args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<Child> {
  const log = createWriteStream(logFile);
  await once(log, "open");
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", log, log] });
  const exited = once(child, "exit");
  return {
    process: child,
    logFile,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const [code] = (await exited) as [number | null];
      log.end();
      return code;
    },
  };
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU ms used so far by a process (all its threads); undefined off Linux or when it is gone. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

export function percentile(values: number[], p: number) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function table(header: string[], lines: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]) => "  " + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(format(header));
  for (const line of lines) console.log(format(line));
}

export const fixed = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? "-" : n.toFixed(digits));
