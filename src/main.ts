import { availableParallelism } from "node:os";

// argon2 hashes on libuv's thread pool: size it before anything uses it (hence the dynamic imports).
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));
// Outside production graphql-js checks every instanceof for a second copy of itself, on every field of every request.
process.env.NODE_ENV ??= "production";

const { ConfigError, loadConfig } = await import("./config.js");

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`gatehouse: bad setting ${error.message}\n`);
  process.exit(1);
}

const { createApp } = await import("./app.js");
const { server, database, admin } = await createApp(config);
if (admin?.generated) {
  // Printed once, on the console and not through the logger: log lines never carry secrets.
  process.stdout.write(
    `\n  Initial super user: admin\n  Password: ${admin.password}\n  (also in ${admin.passwordFile}, readable by you only)\n\n`,
  );
}

const address = await server.app.listen({ port: config.port, host: config.host });
server.app.log.info({ address, database: database.kind }, `Gatehouse listening: ${address}/graphql (playground: ${address}/playground)`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  server.app.log.info({ signal }, "stopping: finishing requests in flight");
  try {
    await server.close();
    process.exit(0);
  } catch (error) {
    server.app.log.error({ err: error }, "unclean stop");
    process.exit(1);
  }
};
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
