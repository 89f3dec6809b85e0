import { randomUUID } from "node:crypto";
import type { Writable } from "node:stream";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from "@as-integrations/fastify";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest, LogController } from "fastify";
import { PasswordHasher } from "./auth/passwords.js";
import { principalForToken, purgeExpiredSessions } from "./auth/sessions.js";
import { staffBodyLimit } from "./body-limit.js";
import type { Config } from "./config.js";
import type { Clock, Context, Deps } from "./context.js";
import type { Database } from "./db/client.js";
import { DeliveryWorker, type DeliveryPass } from "./mail/delivery.js";
import { jitExecutor } from "./graphql/executor.js";
import { formatError, introspectionPlugin, oneLoginPerDocument, responsePlugin } from "./graphql/plugins.js";
import { createLoaders } from "./loaders.js";
import { registerPlayground, sendPlayground, wantsPlayground } from "./playground.js";
import { buildExecutableSchema } from "./schema.js";

export type ServerOptions = {
  config: Config;
  database: Database;
  clock?: Clock;
  /** Where the JSON log lines go (stdout by default); tests read them. */
  logStream?: Writable;
};

export type Server = {
  app: FastifyInstance;
  deps: Deps;
  /** One outbox pass now (expiry warnings, then due emails): what the worker does every GATEHOUSE_MAIL_POLL_MS; tests call it instead of waiting. */
  deliverDue(): Promise<DeliveryPass>;
  /** Removes sessions past their absolute expiry: what the server does every hour; tests call it instead of waiting. */
  purgeExpiredSessions(): Promise<void>;
  /** Stops taking requests, finishes those in flight, then closes the database. */
  close(): Promise<void>;
};

/** Paths whose values never reach a log line. */
const REDACT = [
  "req.headers.authorization",
  "req.headers.cookie",
  "*.password",
  "*.newPassword",
  "*.currentPassword",
  "*.token",
  "*.bindPassword",
  "*.secret",
];

type GatehouseRequest = FastifyRequest & { gatehouse?: { principalId?: string; trace?: Context["trace"] } };

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match ? match[1] : null;
}

export async function buildServer(options: ServerOptions): Promise<Server> {
  const { config, database } = options;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: REDACT, censor: "[redacted]" },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: config.limits.bodyBytes,
    // While stopping, a request that a client already sent on an open connection is answered
    // (Fastify then closes that connection) rather than refused with 503; new connections are refused.
    return503OnClosing: false,
    trustProxy: config.trustProxy,
  });
  const deps: Deps = {
    db: database.db,
    hasher: new PasswordHasher(config.argon2, config.hashing),
    clock: options.clock ?? (() => new Date()),
    config,
    log: app.log,
  };

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  // Once stopping, answers end their connection: a keep-alive socket that was busy when the
  // server began to close would otherwise hold the process open until the keep-alive timeout.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (request, reply, payload) => {
    if (closing && request.raw.httpVersionMajor < 2) reply.header("connection", "close");
    return payload;
  });
  // One JSON line per request; no variables, headers or bodies.
  app.addHook("onResponse", async (request: GatehouseRequest, reply) => {
    const trace = request.gatehouse?.trace;
    request.log.info(
      {
        method: request.method,
        url: request.url.split("?")[0],
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
        principalId: request.gatehouse?.principalId ?? null,
        operationName: trace?.operationName ?? null,
        outcome: trace?.errorCodes.length ? trace.errorCodes : reply.statusCode < 400 ? "ok" : "error",
      },
      "request",
    );
  });

  // Refusals before GraphQL (body too large, malformed JSON) still answer in GraphQL's shape, with the contract's BAD_REQUEST.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, "unhandled error");
    const message = status === 500 ? "Internal server error." : error.message;
    const code = status === 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST";
    return reply.code(status).send({ errors: [{ message, extensions: { code, requestId: request.id } }] });
  });

  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    try {
      await database.ping();
      return { status: "ready" };
    } catch {
      return reply.code(503).send({ status: "database unavailable" });
    }
  });

  const armor = new ApolloArmor({
    maxDepth: { n: config.limits.depth },
    maxAliases: { n: config.limits.aliases },
    costLimit: { maxCost: config.limits.cost },
    // Counted by graphql-js's own parser instead (parseOptions below): armor's token plugin throws
    // from a hook Apollo treats as an unexpected failure, so a long document answered HTTP 500.
    maxTokens: { enabled: false },
    maxDirectives: { n: config.limits.directives },
    blockFieldSuggestion: { enabled: false },
  }).protect();

  const schema = await buildExecutableSchema();
  const apollo = new ApolloServer<Context>({
    ...(config.graphqlJit ? { gateway: jitExecutor(schema) } : { schema }),
    csrfPrevention: true,
    // main.ts owns the signals: close() below stops Apollo (which drains Fastify) and then the database.
    stopOnTerminationSignals: false,
    parseOptions: { maxLexicalTokens: config.limits.tokens },
    introspection: true,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    formatError,
    // Apollo's default indents every response; compact JSON is smaller and cheaper to produce.
    stringifyResult: (result) => JSON.stringify(result),
    validationRules: [...armor.validationRules, oneLoginPerDocument],
    plugins: [
      ...(armor.plugins as any[]),
      fastifyApolloDrainPlugin(app),
      ApolloServerPluginLandingPageDisabled(),
      // Cache hints are unused here, and the plugin wraps every field's resolver to collect them.
      ApolloServerPluginCacheControlDisabled(),
      introspectionPlugin(config.publicIntrospection),
      responsePlugin(),
    ],
  });
  await apollo.start();

  const context = async (request: GatehouseRequest): Promise<Context> => {
    const token = bearer(request);
    const principal = token ? await principalForToken(deps, token) : null;
    const trace: Context["trace"] = { errorCodes: [] };
    request.gatehouse = { principalId: principal?.id, trace };
    return {
      requestId: request.id,
      clientAddress: request.ip ?? null,
      deps,
      principal,
      loaders: createLoaders(deps.db, principal?.organisationId ?? null),
      trace,
    };
  };

  registerPlayground(app);
  const graphql = fastifyApolloHandler(apollo, { context });
  // Staff may send bodies up to staffBodyBytes (bulk imports); the hook holds everyone else to bodyBytes.
  app.post("/graphql", { bodyLimit: config.limits.staffBodyBytes, preParsing: staffBodyLimit(deps, bearer) }, graphql);
  app.get("/graphql", function (request, reply) {
    return wantsPlayground(request) ? sendPlayground(reply) : graphql.call(this, request as any, reply as any);
  });

  const mail = new DeliveryWorker(deps);
  mail.start();
  // Expired sessions are refused anyway; this keeps the table from growing without end.
  const purge = () => purgeExpiredSessions(deps.db, deps.clock);
  const purging = setInterval(() => purge().catch((error) => app.log.error({ err: error }, "session purge failed")), 3_600_000).unref();

  return {
    app,
    deps,
    deliverDue: () => mail.deliverDue(),
    purgeExpiredSessions: purge,
    async close() {
      closing = true;
      clearInterval(purging);
      await apollo.stop();
      // After the last request (which may have queued an email) and before the database goes.
      await mail.stop();
      await database.close();
    },
  };
}
