/**
 * ImportPortalAccounts benchmark: `npm run bench:import`. Prints figures; never a timed test.
 *
 * Starts Gatehouse as a child process on a fresh PostgreSQL database (dropped after) and imports
 * BENCH_IMPORT_ROWS rows (10,000) into a new customer group through HTTP, twice: (a) without
 * passwords, (b) every row with a password (argon2id with the server's settings, hashed through
 * the hashing queue at bulk priority). Prints the wall time and rows per second of each.
 *
 * Settings: DATABASE_URL (an administrative connection; default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_IMPORT_ROWS (10000), and the server's own GATEHOUSE_* settings.
 */
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type ImportPortalAccountRow } from "../client-sdk/src/index.js";
import { type Child, fixed, freePort, freshPostgres, positive, startChild, table, waitUntilReady } from "./support.js";

const ADMIN_URL = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const ROWS = Math.round(positive("BENCH_IMPORT_ROWS", 10_000));
const ADMIN_PASSWORD = `bench-admin-${randomBytes(12).toString("hex")}`;

function rows(tag: string, withPasswords: boolean): ImportPortalAccountRow[] {
  return Array.from({ length: ROWS }, (_, i) => ({
    firstName: `First${i}`,
    lastName: `Last${i}`,
    email: `import${i}.${tag}@example.com`,
    companyName: `Company ${i % 200}`,
    login: `import-${tag}-${i}`,
    password: withPasswords ? `Pw-${randomBytes(9).toString("hex")}-${i}` : null,
  }));
}

/** POSTs without fetch's 300 s header timeout: 10,000 argon2id hashes on a small machine take longer than that. */
function postJson(url: string, token: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

const MUTATION = "mutation ($input: ImportPortalAccountsInput!) { importPortalAccounts(input: $input) { created updated rows { index errors { field code message } } } }";

async function main() {
  const database = await freshPostgres(ADMIN_URL);
  const workDir = await mkdtemp(join(tmpdir(), "gatehouse-bench-import-"));
  let gatehouse: Child | undefined;
  try {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    gatehouse = await startChild(
      ["--import", "tsx", "src/main.ts"],
      {
        ...process.env,
        DATABASE_URL: database.url,
        GATEHOUSE_PORT: String(port),
        GATEHOUSE_HOST: "127.0.0.1",
        GATEHOUSE_DATA_DIR: join(workDir, "data"),
        GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
        GATEHOUSE_IMPORT_MAX_ROWS: String(Math.max(ROWS, 10_000)),
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
      },
      join(workDir, "gatehouse.log"),
    );
    await waitUntilReady(`${baseUrl}/readyz`, gatehouse.process, gatehouse.logFile);
    const anonymous = createClient({ url: `${baseUrl}/graphql` });
    const { login } = await anonymous.Login({ input: { audience: "STAFF", login: "admin", password: ADMIN_PASSWORD } });
    const admin = anonymous.withToken(login.token);

    console.log(`ImportPortalAccounts, ${ROWS} rows per call; PostgreSQL ${database.version}, ${availableParallelism()} cores`);
    const lines: string[][] = [];
    for (const [name, withPasswords] of [["without passwords", false], ["with passwords", true]] as const) {
      const { createCustomerGroup: group } = await admin.CreateCustomerGroup({ input: { name: `Import ${name} ${randomBytes(3).toString("hex")}`, portalEnabled: true } });
      const input = { customerGroupId: group.id, rows: rows(randomBytes(4).toString("hex"), withPasswords) };
      const body = JSON.stringify({ query: MUTATION, variables: { input } });
      const bytes = body.length;
      const started = performance.now();
      const response = await postJson(`${baseUrl}/graphql`, login.token, body);
      const seconds = (performance.now() - started) / 1000;
      const result = JSON.parse(response.text).data?.importPortalAccounts;
      if (!result) throw new Error(`HTTP ${response.status}: ${response.text.slice(0, 500)}`);
      if (result.created !== ROWS) throw new Error(`expected ${ROWS} created, got ${result.created}: ${JSON.stringify(result.rows.find((r: { errors: unknown[] }) => r.errors.length))}`);
      lines.push([name, (bytes / 1024 / 1024).toFixed(2), fixed(seconds, 2), fixed(ROWS / seconds, 0)]);
    }
    table(["import", "body MB", "seconds", "rows/s"], lines);
  } finally {
    await gatehouse?.stop();
    await database.drop();
    await rm(workDir, { recursive: true, force: true });
  }
}

await main();
