import { eq, sql, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { Field, ObjectType } from "type-graphql";
import { badInput } from "../../errors.js";

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** `first` as the contract allows it: 1 to 100, 20 when omitted. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw badInput("first", `first must be between 1 and ${MAX_PAGE}.`);
  return first;
}

/** Cursors are opaque to clients: base64url of the sort key. */
export const encodeCursor = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString("base64url");

export function decodeCursor<T extends unknown[]>(cursor: string | null | undefined, arity: number): T | null {
  if (cursor === null || cursor === undefined) return null;
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    const wellFormed =
      Array.isArray(key) &&
      key.length === arity &&
      key.every((k) => typeof k === "string" || typeof k === "number") &&
      isId(key[arity - 1]);
    if (wellFormed) return key as T;
  } catch {
    // fall through to the error below
  }
  throw badInput("after", "after is not a cursor this list gave out.");
}

/** A cursor over (timestamp, id), newest first: the timestamp must parse, or it is no cursor of ours. */
export function decodeTimeCursor(cursor: string | null | undefined): [string, string] | null {
  const key = decodeCursor<[string, string]>(cursor, 2);
  if (key && (typeof key[0] !== "string" || Number.isNaN(Date.parse(key[0])))) {
    throw badInput("after", "after is not a cursor this list gave out.");
  }
  return key;
}

export type Page<T> = {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: PageInfo;
  /** Counted only when the client asks for it (a getter, read by the field's resolver). */
  readonly totalCount: Promise<number>;
};

/** An edge encodes its cursor only when the client asks for it: most list queries never do. */
class Edge<T> {
  constructor(
    readonly node: T,
    private readonly keyOf: (row: T) => unknown[],
  ) {}

  get cursor() {
    return encodeCursor(this.keyOf(this.node));
  }
}

/** Builds a page from up to first+1 rows fetched in sort order. */
export function toPage<T>(rows: T[], first: number, keyOf: (row: T) => unknown[], count: () => Promise<number>): Page<T> {
  const hasNextPage = rows.length > first;
  const nodes = hasNextPage ? rows.slice(0, first) : rows;
  const edges = nodes.map((node) => new Edge(node, keyOf));
  return {
    edges,
    pageInfo: {
      hasNextPage,
      get endCursor() {
        return edges.at(-1)?.cursor ?? null;
      },
    },
    get totalCount() {
      return count();
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids are UUIDs; a malformed one names nothing. */
export const isId = (value: unknown): value is string => typeof value === "string" && UUID.test(value);

/** A filter on an id column; a malformed id matches nothing instead of failing in SQL. */
export const idEquals = (column: AnyPgColumn, id: string): SQL => (isId(id) ? eq(column, id) : sql`false`);

/**
 * Newest first, as the (time DESC, id DESC) indexes store it: drizzle creates them NULLS LAST, and
 * desc() alone asks for NULLS FIRST, which no index serves (both columns are NOT NULL, so the order is the same).
 */
export const newestFirst = (at: AnyPgColumn, id: AnyPgColumn) => [sql`${at} desc nulls last`, sql`${id} desc nulls last`];
