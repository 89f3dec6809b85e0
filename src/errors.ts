import { GraphQLError } from "graphql";

/** The execution error codes of the contract (../shared/contract/README.md), and nothing else. */
export const ErrorCode = {
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  BAD_USER_INPUT: "BAD_USER_INPUT",
  CONFLICT: "CONFLICT",
  PASSWORD_POLICY: "PASSWORD_POLICY",
  INVALID_CREDENTIALS: "INVALID_CREDENTIALS",
  ACCOUNT_LOCKED: "ACCOUNT_LOCKED",
  ACCOUNT_DISABLED: "ACCOUNT_DISABLED",
  PASSWORD_EXPIRED: "PASSWORD_EXPIRED",
  IP_DENIED: "IP_DENIED",
  NOT_SUPPORTED_FOR_DIRECTORY: "NOT_SUPPORTED_FOR_DIRECTORY",
  SIGN_IN_UNIT_REQUIRED: "SIGN_IN_UNIT_REQUIRED",
  LIMIT_EXCEEDED: "LIMIT_EXCEEDED",
  RATE_LIMITED: "RATE_LIMITED",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes that the GraphQL server itself gives to requests refused before execution. */
export const PRE_EXECUTION_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "BAD_USER_INPUT",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

const CONTRACT_CODES = new Set<string>(Object.values(ErrorCode));

export function isContractError(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && CONTRACT_CODES.has(String(error.extensions?.code));
}

/** An error the caller is meant to see: a contract code, a message, and safe extensions. */
export class AppError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }
}

export const unauthenticated = (message = "Sign in first.") => new AppError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = "You may not do this.") => new AppError(ErrorCode.FORBIDDEN, message);
export const notFound = (what: string) => new AppError(ErrorCode.NOT_FOUND, `${what} not found.`);
export const badInput = (field: string | undefined, message: string) =>
  new AppError(ErrorCode.BAD_USER_INPUT, message, field === undefined ? {} : { field });
export const conflict = (field: string | undefined, message: string) =>
  new AppError(ErrorCode.CONFLICT, message, field === undefined ? {} : { field });
export const invalidCredentials = () =>
  new AppError(ErrorCode.INVALID_CREDENTIALS, "The login or the password is wrong.");
export const accountLocked = (lockedUntil?: Date | null) =>
  new AppError(
    ErrorCode.ACCOUNT_LOCKED,
    "This account is locked.",
    lockedUntil ? { lockedUntil: lockedUntil.toISOString() } : {},
  );
export const rateLimited = (message = "Too many requests; try again shortly.") =>
  new AppError(ErrorCode.RATE_LIMITED, message);

/** assert-style guard: throws the given error when the condition does not hold. */
export function ensure(condition: unknown, error: () => GraphQLError): asserts condition {
  if (!condition) throw error();
}

/** True when a database error (possibly wrapped by drizzle) is a unique violation, optionally of one constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (let e: any = error; e; e = e.cause) {
    if (e.code === "23505") return constraint === undefined || e.constraint_name === constraint || e.constraint === constraint;
  }
  return false;
}
