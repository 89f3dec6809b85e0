import { type DocumentNode, print } from "graphql";
import { getSdk } from "./generated.js";

export * from "./generated.js";

/** The error codes of the Gatehouse contract, plus the server's pre-execution codes. */
export type ErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "BAD_USER_INPUT"
  | "CONFLICT"
  | "PASSWORD_POLICY"
  | "INVALID_CREDENTIALS"
  | "ACCOUNT_LOCKED"
  | "ACCOUNT_DISABLED"
  | "PASSWORD_EXPIRED"
  | "IP_DENIED"
  | "NOT_SUPPORTED_FOR_DIRECTORY"
  | "SIGN_IN_UNIT_REQUIRED"
  | "LIMIT_EXCEEDED"
  | "RATE_LIMITED"
  | "INTERNAL_SERVER_ERROR"
  | "GRAPHQL_PARSE_FAILED"
  | "GRAPHQL_VALIDATION_FAILED"
  | "BAD_REQUEST";

export type GraphQLErrorEntry = {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: {
    code?: ErrorCode;
    field?: string;
    violations?: string[];
    lockedUntil?: string;
    requestId?: string;
    [key: string]: unknown;
  };
};

export type GraphQLResponse<T = unknown> = { status: number; data?: T | null; errors?: GraphQLErrorEntry[] };

/** A refused or failed operation: the first error's code, and everything the server said. */
export class GatehouseError extends Error {
  readonly code: ErrorCode | undefined;
  readonly field: string | undefined;
  readonly violations: string[] | undefined;
  readonly requestId: string | undefined;

  constructor(
    readonly errors: GraphQLErrorEntry[],
    /** Whatever data came with the errors (fields that were allowed still answer). */
    readonly data: unknown,
    readonly status: number,
  ) {
    super(errors.map((e) => e.message).join("; ") || `HTTP ${status}`);
    this.name = "GatehouseError";
    const first = errors[0]?.extensions;
    this.code = first?.code;
    this.field = first?.field;
    this.violations = first?.violations;
    this.requestId = first?.requestId;
  }
}

export type ClientOptions = {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** A session token from `Login`, sent as `Authorization: Bearer`. */
  token?: string;
  fetch?: typeof globalThis.fetch;
  headers?: Record<string, string>;
};

/** A typed client: one method per operation; errors throw a GatehouseError. */
export function createClient(options: ClientOptions) {
  const doFetch = options.fetch ?? globalThis.fetch;

  /** Sends any document and returns the server's answer as it is, errors included. */
  async function execute<T = any>(document: DocumentNode | string, variables?: unknown): Promise<GraphQLResponse<T>> {
    const response = await doFetch(options.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: JSON.stringify({ query: typeof document === "string" ? document : print(document), variables }),
    });
    const text = await response.text();
    let body: { data?: T | null; errors?: GraphQLErrorEntry[] };
    try {
      body = JSON.parse(text);
    } catch {
      body = { errors: [{ message: text || response.statusText, extensions: { code: "BAD_REQUEST" } }] };
    }
    return { status: response.status, data: body.data, errors: body.errors };
  }

  const sdk = getSdk(async <R, V>(document: DocumentNode, variables?: V): Promise<R> => {
    const result = await execute<R>(document, variables);
    if (result.errors?.length || result.data == null) throw new GatehouseError(result.errors ?? [], result.data, result.status);
    return result.data;
  });

  return {
    ...sdk,
    execute,
    /** The same client, signed in with another token (or none). */
    withToken: (token: string | undefined) => createClient({ ...options, token }),
  };
}

export type GatehouseClient = ReturnType<typeof createClient>;
