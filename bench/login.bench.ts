/**
 * Login benchmark entry point: `npm run bench:login`. Prints figures; never a timed test.
 *
 * libuv reads UV_THREADPOOL_SIZE once, when its pool first starts, and tsx's loader may start it
 * before this file runs; so when the variable is unset, this re-runs itself with it set, sized as
 * src/main.ts sizes the server's pool, and the child server inherits the same value.
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";

if (!process.env.UV_THREADPOOL_SIZE) {
  const env = { ...process.env, UV_THREADPOOL_SIZE: String(Math.max(4, availableParallelism())) };
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: "inherit", env });
  process.exit(child.status ?? 1);
}

await import("./login-run.js");
