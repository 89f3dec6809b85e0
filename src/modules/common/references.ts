import { and, eq, inArray } from "drizzle-orm";
import type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";
import type { DbOrTx } from "../../db/client.js";
import { badInput, ensure } from "../../errors.js";
import { isId } from "./pagination.js";

type TenantTable = PgTable & { id: AnyPgColumn; organisationId: AnyPgColumn };

/**
 * Every id must name a row of the organisation in `table` (one query for all of them);
 * otherwise BAD_USER_INPUT names the first that does not, e.g. `roleIds.2`.
 */
export async function ensureReferences(
  db: DbOrTx,
  table: TenantTable,
  organisationId: string,
  ids: string[],
  field: (index: number) => string,
  what: string,
) {
  const wellFormed = [...new Set(ids.filter(isId))];
  const found = wellFormed.length
    ? await db
        .select({ id: table.id })
        .from(table as PgTable)
        .where(and(eq(table.organisationId, organisationId), inArray(table.id, wellFormed)))
    : [];
  const known = new Set(found.map((row) => row.id as string));
  const bad = ids.findIndex((id) => !known.has(id));
  ensure(bad < 0, () => badInput(field(bad), `No such ${what}.`));
}
