import argon2 from "argon2";
import postgres from "postgres";
import { join } from "node:path";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { loadConfig } from "../src/config.js";
import { freePort, freshPostgres, startChild, waitUntilReady } from "./support.js";
import { loadDataset } from "./my-cases-data.js";

const db = await freshPostgres("postgres://postgres@127.0.0.1:5432/postgres");
const work = await mkdtemp(join(tmpdir(), "gh-scratch-"));
const port = await freePort();
const child = await startChild(["--import", "tsx", "src/main.ts"], { ...process.env, DATABASE_URL: db.url, GATEHOUSE_PORT: String(port), GATEHOUSE_DATA_DIR: join(work, "data"), GATEHOUSE_ADMIN_PASSWORD: "scratch-admin-password-1", LOG_LEVEL: "warn" }, join(work, "server.log"));
await waitUntilReady(`http://127.0.0.1:${port}/readyz`, child.process, child.logFile);
const config = loadConfig(process.env);
const hash = await argon2.hash("portal-password-1", { type: argon2.argon2id, ...config.argon2 });
const sql = postgres(db.url, { max: 1, onnotice: () => {} });
try {
let t = performance.now();
console.log(await loadDataset(sql, hash), ((performance.now() - t) / 1000).toFixed(1), "s");
} catch (e) { console.error(e); await sql.end(); await child.stop(); await db.drop(); process.exit(1); }
await sql.end();
await child.stop();
console.log(db.url);
