import type { FastifyBaseLogger } from "fastify";
import type { PasswordHasher } from "./auth/passwords.js";
import type { Config } from "./config.js";
import type { Db } from "./db/client.js";
import type { Loaders } from "./loaders.js";

export type Clock = () => Date;

/** What services need from the outside world; passed in, never imported. */
export type Deps = {
  db: Db;
  hasher: PasswordHasher;
  clock: Clock;
  config: Config;
  log: FastifyBaseLogger;
};

export type Principal = {
  kind: "User" | "Contact";
  id: string;
  organisationId: string;
  organisationGroupId: string;
  sessionId: string;
  superUser: boolean;
  requiredActions: string[];
  /** A contact's company and portal profile, read with the session so grants are never stale. */
  companyId?: string | null;
  profileId?: string | null;
};

/** Who is acting and from where: what every service writes into the audit log. */
export type Caller = {
  organisationId: string;
  actor: { type: "User" | "Contact"; id: string } | null;
  clientAddress: string | null;
};

export type Context = {
  requestId: string;
  clientAddress: string | null;
  deps: Deps;
  principal: Principal | null;
  /** Set by `login` once it succeeds, so the sign-in may read back its own principal. */
  signedIn?: { kind: "User" | "Contact"; id: string };
  loaders: Loaders;
  /** What the request log line reports about the GraphQL operation. */
  trace: { operationName?: string; errorCodes: string[] };
};

export const callerOf = (ctx: Context): Caller => {
  if (!ctx.principal) throw new Error("callerOf needs a principal; the shield should have refused");
  return {
    organisationId: ctx.principal.organisationId,
    actor: { type: ctx.principal.kind, id: ctx.principal.id },
    clientAddress: ctx.clientAddress,
  };
};
