// libuv sizes its thread pool once, on first use, and tsx's loader may use it before this file runs: so an unset
// UV_THREADPOOL_SIZE is set here as src/main.ts sets the server's, and the benchmark re-runs itself with it.
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";

if (!process.env.UV_THREADPOOL_SIZE) {
  const env = { ...process.env, UV_THREADPOOL_SIZE: String(Math.max(4, availableParallelism())) };
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: "inherit", env });
  process.exit(child.status ?? 1);
}

await import("./login-run.js");
