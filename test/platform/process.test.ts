import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { LOGIN, post } from "./support.js";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-process-"));
const started: ChildProcess[] = [];

afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

type Gatehouse = {
  child: ChildProcess;
  port: number;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/** The real server process, as `npm start` runs it, on PGlite in its own data dir; the test runner's settings are not passed on. */
function startProcess(env: Record<string, string>, port = 0): Gatehouse {
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith("GATEHOUSE_") || key.startsWith("VITEST") || ["DATABASE_URL", "LOG_LEVEL", "NODE_ENV"].includes(key)) continue;
    childEnv[key] = value;
  }
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { ...childEnv, GATEHOUSE_HOST: "127.0.0.1", GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk) => (out += chunk));
  child.stderr!.on("data", (chunk) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once("exit", (code, signal) => done({ code, signal })),
  );
  return { child, port, url: `http://127.0.0.1:${port}/graphql`, stdout: () => out, stderr: () => err, exited };
}

/** Starts the process and waits until /healthz answers. */
async function startServer(env: Record<string, string> = {}): Promise<Gatehouse> {
  const port = await freePort();
  const gatehouse = startProcess(env, port);
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (gatehouse.child.exitCode !== null) throw new Error(`server exited early: ${gatehouse.stderr()}${gatehouse.stdout()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return gatehouse;
    if (Date.now() > deadline) throw new Error(`server did not start: ${gatehouse.stderr()}${gatehouse.stdout()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const signIn = (url: string, password: string) =>
  post(url, { query: LOGIN, variables: { input: { audience: "STAFF", login: "admin", password } } });

type Answer = { status: number; token: string | undefined; text: string };

/**
 * A sign-in over a keep-alive connection of its own. It asks `Expect: 100-continue`, so the
 * server's "100 Continue" says it has read the request and routed it: `accepted` resolves then,
 * and `answer` when the answer is complete (status 0: no HTTP answer at all).
 */
function rawSignIn(port: number, password: string): { accepted: Promise<void>; answer: Promise<Answer> } {
  const body = JSON.stringify({ query: LOGIN, variables: { input: { audience: "STAFF", login: "admin", password } } });
  let accepted!: () => void;
  const acceptedPromise = new Promise<void>((done) => (accepted = done));
  const answer = new Promise<Answer>((done) => {
    const request = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path: "/graphql",
        method: "POST",
        // Keep-alive, as browsers and SDK clients connect: the server must end these connections itself.
        agent: new HttpAgent({ keepAlive: true, maxSockets: 1 }),
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), expect: "100-continue" },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () => {
          let token: string | undefined;
          try {
            token = JSON.parse(text).data?.login?.token;
          } catch {
            token = undefined;
          }
          done({ status: response.statusCode ?? 0, token, text });
        });
        response.on("error", (error) => done({ status: 0, token: undefined, text: String(error) }));
      },
    );
    request.on("continue", () => {
      accepted();
      request.end(body);
    });
    request.on("error", (error) => done({ status: 0, token: undefined, text: String(error) }));
    request.flushHeaders();
  });
  // A request that failed before it was accepted still settles `accepted`, so the test reports the failure.
  answer.then(() => accepted());
  return { accepted: acceptedPromise, answer };
}

/** Whether a new TCP connection to the port is refused. */
const connectionRefused = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      done(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => done(error.code === "ECONNREFUSED"));
  });

const passwordLine = /Password: (\S+)/g;
let generatedPassword: string;

describe("the server process", () => {
  it("creates the initial admin on first start, prints its password once and keeps it in a 0600 file", { timeout: 90_000 }, async () => {
    const first = await startServer();
    const printed = [...first.stdout().matchAll(passwordLine)].map((m) => m[1]);
    expect(printed, first.stdout()).toHaveLength(1);
    generatedPassword = printed[0];
    expect(generatedPassword.length).toBeGreaterThanOrEqual(16);

    const file = join(dataDir, "initial-admin-password");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim()).toBe(generatedPassword);

    const r = await signIn(first.url, generatedPassword);
    expect(r.body?.data?.login?.token, r.text).toEqual(expect.any(String));
    // The password went to the console once, never into a JSON log line.
    const logLines = first.stdout().split("\n").filter((line) => line.startsWith("{"));
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(line).not.toContain(generatedPassword);

    first.child.kill("SIGTERM");
    expect(await first.exited).toEqual({ code: 0, signal: null });
  });

  it("answers /healthz and /readyz; on a second start creates no admin and prints no password; SIGTERM finishes requests in flight", { timeout: 90_000 }, async () => {
    const fileBefore = readFileSync(join(dataDir, "initial-admin-password"), "utf8");
    const second = await startServer({ GATEHOUSE_HASH_CONCURRENCY: "1" });
    expect(second.stdout()).not.toMatch(/password/i);
    expect(second.stdout()).not.toContain(generatedPassword);
    expect(readFileSync(join(dataDir, "initial-admin-password"), "utf8")).toBe(fileBefore);

    const health = await fetch(`http://127.0.0.1:${second.port}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${second.port}/readyz`);
    expect(ready.status).toBe(200);

    const signedIn = await signIn(second.url, generatedPassword);
    const token = signedIn.body?.data?.login?.token;
    expect(token, signedIn.text).toEqual(expect.any(String));
    const created = await post(
      second.url,
      { query: `{ auditEvents(first: 100, filter: { action: "createInitialAdmin" }) { totalCount } }` },
      { token },
    );
    expect(created.body?.data, created.text).toEqual({ auditEvents: { totalCount: 1 } });
    const staff = await post(second.url, { query: "{ me { ... on User { username superUser } } }" }, { token });
    expect(staff.body?.data).toEqual({ me: { username: "admin", superUser: true } });

    // Ten sign-ins, each an argon2id verification, queued one at a time on the hashing thread,
    // each on a connection of its own. SIGTERM goes as soon as the server has accepted all ten.
    const burst = Array.from({ length: 10 }, () => rawSignIn(second.port, generatedPassword));
    const inFlight = burst.map((b) => b.answer);
    const settled: boolean[] = inFlight.map(() => false);
    inFlight.forEach((p, i) => p.then(() => (settled[i] = true)));
    await Promise.all(burst.map((b) => b.accepted));
    second.child.kill("SIGTERM");
    const unansweredAtSignal = settled.filter((done) => !done).length;

    // The listening socket closes while the others are still being answered.
    let refusedWhileDraining = false;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !settled.every(Boolean)) {
      if (await connectionRefused(second.port)) {
        refusedWhileDraining = !settled.every(Boolean);
        break;
      }
      await new Promise((r) => setTimeout(r, 2));
    }

    const answers = await Promise.all(inFlight);
    const answeredAt = Date.now();
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(200);
      expect(answer.token, answer.text).toEqual(expect.any(String));
    }
    // The hashing queue guarantees most were still being worked on when the signal went.
    expect(unansweredAtSignal).toBeGreaterThanOrEqual(5);
    expect(refusedWhileDraining, "a new connection was refused while requests were still in flight").toBe(true);
    expect(await second.exited).toEqual({ code: 0, signal: null });
    // Promptly: keep-alive connections that were busy when the stop began do not hold it open
    // (Apollo's drain would cut them only after 10 s, Fastify's keep-alive timeout after 72 s).
    expect(Date.now() - answeredAt).toBeLessThan(5_000);
    expect(await connectionRefused(second.port)).toBe(true);
    expect(second.stderr()).toBe("");
  });

  it.each([
    ["GATEHOUSE_PORT", "notaport"],
    ["LOG_LEVEL", "loud"],
    ["GATEHOUSE_DB_POOL_SIZE", "0"],
    ["GATEHOUSE_GRAPHQL_JIT", "sometimes"],
  ])("stops with a non-zero exit and one stderr line naming %s when it is bad", async (name, value) => {
    const bad = startProcess({ [name]: value });
    const { code } = await bad.exited;
    expect(code).not.toBe(0);
    const lines = bad.stderr().split("\n").filter((line) => line.trim() !== "");
    expect(lines, bad.stderr()).toHaveLength(1);
    expect(lines[0]).toContain(name);
    expect(lines[0]).toContain(value);
  });
});
