import { availableParallelism } from "node:os";
import { z } from "zod";

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);
const bool = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .default(def ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === "" ? undefined : v));

/** Every setting Gatehouse reads, by its environment variable name. */
const settings = z.object({
  GATEHOUSE_PORT: int(4000, 0, 65535),
  GATEHOUSE_HOST: z.string().min(1).default("127.0.0.1"),
  GATEHOUSE_DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
      .optional(),
  ),
  GATEHOUSE_DB_POOL_SIZE: int(10, 1, 1000),
  GATEHOUSE_ADMIN_PASSWORD: optionalString.pipe(z.string().min(12, "must be at least 12 characters").optional()),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  GATEHOUSE_TRUST_PROXY: bool(false),
  // argon2id; OWASP's minimum is m=19 MiB, t=2, p=1.
  GATEHOUSE_ARGON2_MEMORY_KIB: int(19456, 1024, 4 * 1024 * 1024),
  GATEHOUSE_ARGON2_TIME_COST: int(2, 1, 100),
  GATEHOUSE_ARGON2_PARALLELISM: int(1, 1, 16),
  GATEHOUSE_HASH_CONCURRENCY: int(availableParallelism(), 1, 256),
  GATEHOUSE_HASH_QUEUE_MAX: int(64, 0, 100_000),
  GATEHOUSE_HASH_QUEUE_MAX_WAIT_MS: int(5000, 1, 600_000),
  GATEHOUSE_SIGNIN_RATE_PER_MINUTE: int(60, 1, 10_000_000),
  GATEHOUSE_SIGNIN_SYNC_COMMIT: bool(false),
  GATEHOUSE_BODY_LIMIT_BYTES: int(262_144, 1024, 64 * 1024 * 1024),
  GATEHOUSE_STAFF_BODY_LIMIT_BYTES: int(16 * 1024 * 1024, 1024, 256 * 1024 * 1024),
  GATEHOUSE_IMPORT_MAX_ROWS: int(10_000, 1, 1_000_000),
  GATEHOUSE_MAX_DEPTH: int(12, 2, 100),
  GATEHOUSE_MAX_ALIASES: int(30, 1, 1000),
  GATEHOUSE_MAX_COST: int(20_000, 100, 10_000_000),
  GATEHOUSE_MAX_TOKENS: int(5_000, 100, 1_000_000),
  GATEHOUSE_MAX_DIRECTIVES: int(50, 1, 1000),
  GATEHOUSE_GRAPHQL_JIT: bool(true),
  GATEHOUSE_PUBLIC_INTROSPECTION: bool(false),
  GATEHOUSE_PORTAL_PROFILE_SEATS: optionalString.pipe(z.string().regex(/^\d+$/, "must be a whole number").transform(Number).optional()),
  GATEHOUSE_PORTAL_URL: z.url().default("http://localhost:3000").transform((v) => v.replace(/\/+$/, "")),
  GATEHOUSE_SMTP_URL: optionalString.pipe(z.string().regex(/^smtps?:\/\//, "must start with smtp:// or smtps://").optional()),
  GATEHOUSE_MAIL_FROM: z.string().min(3).default("Gatehouse <no-reply@localhost>"),
  GATEHOUSE_MAIL_POLL_MS: int(5000, 0, 3_600_000),
  GATEHOUSE_MAIL_MAX_ATTEMPTS: int(8, 1, 100),
  GATEHOUSE_MAIL_RETRY_BASE_SECONDS: int(30, 1, 86_400),
  GATEHOUSE_RESET_LIMIT_PER_MINUTE: int(60, 1, 100_000),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** PostgreSQL connections this process opens at most. */
  dbPoolSize: number;
  adminPassword: string | undefined;
  logLevel: z.infer<typeof settings>["LOG_LEVEL"];
  trustProxy: boolean;
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  hashing: { concurrency: number; queueMax: number; maxWaitMs: number };
  /** Sign-in and reset requests one client address may make per minute (session timeouts live in the authentication policy). */
  signInRatePerMinute: number;
  /** Whether a successful sign-in waits for its commit to reach the disk (see writeSignIn). */
  signInSyncCommit: boolean;
  limits: {
    bodyBytes: number;
    /** Largest request body of a signed-in staff user (bulk imports); never below bodyBytes. */
    staffBodyBytes: number;
    /** Rows one ImportPortalAccounts call may carry. */
    importRows: number;
    depth: number;
    aliases: number;
    cost: number;
    tokens: number;
    directives: number;
  };
  publicIntrospection: boolean;
  /** Execute operations compiled by graphql-jit (false: graphql-js's own executor). */
  graphqlJit: boolean;
  /** Licence seats: how many portal profiles an organisation may have; unlimited when undefined. */
  portalProfileSeats: number | undefined;
  /** Outgoing email: SMTP when smtpUrl is set, else .eml files under dataDir/outbox. */
  mail: {
    portalUrl: string;
    smtpUrl: string | undefined;
    from: string;
    pollMs: number;
    maxAttempts: number;
    retryBaseSeconds: number;
    /** Reset and registration requests per login and per client address per minute. */
    requestsPerMinute: number;
  };
};

export class ConfigError extends Error {}

const SECRET_SETTINGS = new Set(["GATEHOUSE_ADMIN_PASSWORD", "DATABASE_URL", "GATEHOUSE_SMTP_URL"]);

/** Reads and validates every setting once; throws one line naming the variable at fault. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = settings.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? "environment");
    // Secret settings are never echoed back, not even when wrong.
    const got = SECRET_SETTINGS.has(name) ? "" : ` (got ${JSON.stringify(env[name] ?? "")})`;
    throw new ConfigError(`${name}: ${issue.message}${got}`);
  }
  const s = parsed.data;
  return {
    port: s.GATEHOUSE_PORT,
    host: s.GATEHOUSE_HOST,
    dataDir: s.GATEHOUSE_DATA_DIR,
    databaseUrl: s.DATABASE_URL,
    dbPoolSize: s.GATEHOUSE_DB_POOL_SIZE,
    adminPassword: s.GATEHOUSE_ADMIN_PASSWORD,
    logLevel: s.LOG_LEVEL,
    trustProxy: s.GATEHOUSE_TRUST_PROXY,
    argon2: {
      memoryCost: s.GATEHOUSE_ARGON2_MEMORY_KIB,
      timeCost: s.GATEHOUSE_ARGON2_TIME_COST,
      parallelism: s.GATEHOUSE_ARGON2_PARALLELISM,
    },
    hashing: {
      concurrency: s.GATEHOUSE_HASH_CONCURRENCY,
      queueMax: s.GATEHOUSE_HASH_QUEUE_MAX,
      maxWaitMs: s.GATEHOUSE_HASH_QUEUE_MAX_WAIT_MS,
    },
    signInRatePerMinute: s.GATEHOUSE_SIGNIN_RATE_PER_MINUTE,
    signInSyncCommit: s.GATEHOUSE_SIGNIN_SYNC_COMMIT,
    limits: {
      bodyBytes: s.GATEHOUSE_BODY_LIMIT_BYTES,
      staffBodyBytes: Math.max(s.GATEHOUSE_BODY_LIMIT_BYTES, s.GATEHOUSE_STAFF_BODY_LIMIT_BYTES),
      importRows: s.GATEHOUSE_IMPORT_MAX_ROWS,
      depth: s.GATEHOUSE_MAX_DEPTH,
      aliases: s.GATEHOUSE_MAX_ALIASES,
      cost: s.GATEHOUSE_MAX_COST,
      tokens: s.GATEHOUSE_MAX_TOKENS,
      directives: s.GATEHOUSE_MAX_DIRECTIVES,
    },
    publicIntrospection: s.GATEHOUSE_PUBLIC_INTROSPECTION,
    graphqlJit: s.GATEHOUSE_GRAPHQL_JIT,
    portalProfileSeats: s.GATEHOUSE_PORTAL_PROFILE_SEATS,
    mail: {
      portalUrl: s.GATEHOUSE_PORTAL_URL,
      smtpUrl: s.GATEHOUSE_SMTP_URL,
      from: s.GATEHOUSE_MAIL_FROM,
      pollMs: s.GATEHOUSE_MAIL_POLL_MS,
      maxAttempts: s.GATEHOUSE_MAIL_MAX_ATTEMPTS,
      retryBaseSeconds: s.GATEHOUSE_MAIL_RETRY_BASE_SECONDS,
      requestsPerMinute: s.GATEHOUSE_RESET_LIMIT_PER_MINUTE,
    },
  };
}

/** Settings below OWASP's argon2id minimum: named in a start-up warning. */
export function weakArgon2Settings(config: Config): string[] {
  const weak: string[] = [];
  if (config.argon2.memoryCost < 19456) weak.push("GATEHOUSE_ARGON2_MEMORY_KIB below 19456");
  if (config.argon2.timeCost < 2) weak.push("GATEHOUSE_ARGON2_TIME_COST below 2");
  return weak;
}
