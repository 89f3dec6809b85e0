import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../../src/db/client.js";

/** Raw HTTP helpers for the platform tests: they need headers, status and the exact response text. */

export type RawResponse = {
  status: number;
  headers: Headers;
  text: string;
  body: { data?: any; errors?: Array<{ message: string; path?: unknown[]; extensions?: Record<string, any> }> } | undefined;
};

export async function post(
  url: string,
  payload: { query: string; variables?: unknown; operationName?: string } | string,
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: typeof payload === "string" ? payload : JSON.stringify(payload),
  });
  return read(response);
}

export async function read(response: Response): Promise<RawResponse> {
  const text = await response.text();
  let body: RawResponse["body"];
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** The error codes of a response, in order. */
export const codes = (r: { errors?: Array<{ extensions?: Record<string, any> }> } | undefined) =>
  (r?.errors ?? []).map((e) => e.extensions?.code);

/** Parsed JSON log lines. */
export const logLines = (logs: string[]) =>
  logs.map((line) => {
    try {
      return JSON.parse(line) as Record<string, any>;
    } catch {
      return { unparsed: line } as Record<string, any>;
    }
  });

/** A Login document that asks only for the token. */
export const LOGIN = `mutation Login($input: LoginInput!) { login(input: $input) { token } }`;

/** Rows of a raw statement, whichever driver is underneath (PGlite answers {rows}, postgres-js an array). */
export async function rows<T = Record<string, any>>(db: Db, statement: SQL): Promise<T[]> {
  const result: any = await db.execute(statement);
  return (Array.isArray(result) ? result : result.rows) as T[];
}

/** How many rows a table holds, optionally filtered by a raw condition. */
export async function countRows(db: Db, table: string, where?: SQL): Promise<number> {
  const [row] = await rows<{ n: number | string }>(
    db,
    where ? sql`select count(*)::int as n from ${sql.identifier(table)} where ${where}` : sql`select count(*)::int as n from ${sql.identifier(table)}`,
  );
  return Number(row.n);
}

/** Signs in over HTTP and returns the bare token (the SDK client does not expose its own). */
export async function signInToken(url: string, audience: "STAFF" | "PORTAL", login: string, password: string): Promise<string> {
  const r = await post(url, { query: LOGIN, variables: { input: { audience, login, password } } });
  const token = r.body?.data?.login?.token;
  if (!token) throw new Error(`sign-in of ${login} failed: ${r.text}`);
  return token;
}
