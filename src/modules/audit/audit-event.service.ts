import { and, count, eq, type SQL, sql } from "drizzle-orm";
import type { Deps } from "../../context.js";
import { auditEvents } from "../../db/schema/index.js";
import { decodeTimeCursor, isId, newestFirst, pageSize, toPage } from "../common/pagination.js";
import type { AuditEventFilter } from "./audit-event.types.js";

/** Newest first, keyset on (at, id). */
export async function listAuditEvents(
  deps: Pick<Deps, "db">,
  organisationId: string,
  args: { first?: number | null; after?: string | null; filter?: AuditEventFilter | null },
) {
  const first = pageSize(args.first);
  const after = decodeTimeCursor(args.after);
  const filters: SQL[] = [eq(auditEvents.organisationId, organisationId)];
  const f = args.filter;
  if (f?.entityType) filters.push(eq(auditEvents.entityType, f.entityType));
  if (f?.entityId) filters.push(eq(auditEvents.entityId, f.entityId));
  if (f?.action) filters.push(eq(auditEvents.action, f.action));
  if (f?.actorId) filters.push(isId(f.actorId) ? eq(auditEvents.actorId, f.actorId) : sql`false`);
  const where = and(...filters);
  const keyset = after ? sql`(${auditEvents.at}, ${auditEvents.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : undefined;
  const rows = await deps.db
    .select()
    .from(auditEvents)
    .where(and(where, keyset))
    .orderBy(...newestFirst(auditEvents.at, auditEvents.id))
    .limit(first + 1);
  return toPage(
    rows,
    first,
    (r) => [r.at.toISOString(), r.id],
    async () => (await deps.db.select({ n: count() }).from(auditEvents).where(where))[0].n,
  );
}
