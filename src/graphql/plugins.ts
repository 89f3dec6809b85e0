import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { type GraphQLFormattedError, GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationRule, validate } from "graphql";
import type { Context } from "../context.js";
import { ErrorCode, isContractError, PRE_EXECUTION_CODES } from "../errors.js";

/** Extensions a caller may see besides `code`; anything else an error carries is dropped. */
const SAFE_EXTENSIONS = ["field", "violations", "lockedUntil", "units"];
/** graphql-js's message when a document has more tokens than parseOptions.maxLexicalTokens allows. */
const TOKEN_LIMIT = /^Syntax Error: Document contains more tha[nt] \d+ tokens/;
/** Where formatError parks an internal error's message until we know whether the caller may see it. */
const DETAIL = "__gatehouseDetail";

/**
 * Contract errors pass with their safe extensions; the server's own pre-execution codes pass
 * without stack traces; everything else becomes INTERNAL_SERVER_ERROR.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  if (isContractError(original)) {
    const extensions: Record<string, unknown> = { code: original.extensions.code };
    for (const key of SAFE_EXTENSIONS) if (original.extensions[key] !== undefined) extensions[key] = original.extensions[key];
    return { ...base, message: original.message, extensions };
  }
  let code = String(formatted.extensions?.code ?? "");
  // The parser's token limit is a size limit: the contract files those under validation.
  if (code === "GRAPHQL_PARSE_FAILED" && TOKEN_LIMIT.test(formatted.message)) code = "GRAPHQL_VALIDATION_FAILED";
  if (PRE_EXECUTION_CODES.has(code) && !(original instanceof GraphQLError && original.path)) {
    return { ...base, extensions: { code } };
  }
  const root = rootCause(original);
  const detail = root instanceof Error ? root.message : String(root);
  return {
    message: "Internal server error.",
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, [DETAIL]: detail },
  };
}

/** The innermost cause: for a failed query, the database's own message rather than drizzle's wrapper. */
function rootCause(error: unknown): unknown {
  let e = error;
  while (e instanceof Error && e.cause !== undefined && e.cause !== e) e = e.cause;
  return e;
}

/**
 * The error as it may be logged. drizzle's query errors carry the statement's parameters in
 * their message, stack and `params` (password and token hashes among them): keep the SQL, drop the values.
 */
function loggable(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  if (!("params" in error) || !("query" in error)) return error;
  const safe = new Error(`Failed query: ${String(error.query)}`, { cause: rootCause(error) });
  safe.name = error.name;
  safe.stack = `${safe.name}: ${safe.message}\n${(error.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line)).join("\n")}`;
  return safe;
}

const SUGGESTION = / ?Did you mean .*\?$/;
/** `__schema` or `__type`, but not the `__typename` that most documents ask for. */
const INTROSPECTION_NAME = /__(schema|type)\b/;

/**
 * Per request: an internal error gets the request id (its detail only for super users) and is
 * logged; field suggestions are dropped for anyone but staff; the codes go to the request log.
 */
export function responsePlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            if (isContractError(original) || (error.extensions?.code && PRE_EXECUTION_CODES.has(String(error.extensions.code)))) continue;
            contextValue.deps.log.error({ reqId: contextValue.requestId, err: loggable(original) }, "internal error");
          }
        },
        async willSendResponse(request: GraphQLRequestContextWillSendResponse<Context>) {
          const ctx = request.contextValue;
          ctx.trace.operationName = request.operationName ?? undefined;
          if (request.response.body.kind !== "single") return;
          const result = request.response.body.singleResult;
          if (!result.errors) return;
          const staff = ctx.principal?.kind === "User";
          result.errors = result.errors.map((e) => rewrite(e, ctx, staff));
          ctx.trace.errorCodes = result.errors.map((e) => String(e.extensions?.code ?? "UNKNOWN"));
        },
      };
    },
  };
}

function rewrite(error: GraphQLFormattedError, ctx: Context, staff: boolean): GraphQLFormattedError {
  const extensions = { ...error.extensions };
  let message = error.message;
  if (extensions.code === ErrorCode.INTERNAL_SERVER_ERROR) {
    const detail = extensions[DETAIL];
    delete extensions[DETAIL];
    extensions.requestId = ctx.requestId;
    if (ctx.principal?.superUser && detail) extensions.detail = detail;
  }
  if (!staff) message = message.replace(SUGGESTION, "");
  return { ...error, message, extensions };
}

/**
 * Introspection answers signed-in staff only (ASVS 5); the schema is public in the repository
 * anyway. Checked per request because the answer depends on who asks.
 */
export function introspectionPlugin(publicIntrospection: boolean): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, schema, document, source }) {
          if (publicIntrospection || contextValue.principal?.kind === "User") return;
          // A document that never spells these names cannot introspect; skip the walk on every ordinary request.
          if (!INTROSPECTION_NAME.test(source)) return;
          // graphql-js's own rule finds __schema and __type wherever they are, fragments included.
          const asksSchema = validate(schema, document, [NoSchemaIntrospectionCustomRule]).length > 0;
          if (asksSchema) {
            throw new GraphQLError("Introspection is open to signed-in staff only.", {
              extensions: { code: "GRAPHQL_VALIDATION_FAILED", http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

/** Password hashing is the scarce resource: one sign-in per document, however it is aliased. */
export const oneLoginPerDocument: ValidationRule = (context) => {
  let logins = 0;
  return {
    Field(node) {
      const parent = context.getParentType();
      if (parent?.name !== "Mutation" || node.name.value !== "login") return;
      logins++;
      if (logins === 2) context.reportError(new GraphQLError("A document may hold at most one login.", { nodes: [node] }));
    },
  };
};
