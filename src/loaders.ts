import DataLoader from "dataloader";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "./db/client.js";
import { companies, contacts, customerGroups, portalAccounts, users } from "./db/schema/index.js";

/** One batched query per kind of nested field and request, never one per row. */
function byId<Row>(load: (ids: string[]) => Promise<Row[]>, key: (row: Row) => string) {
  return new DataLoader<string, Row | null>(async (ids) => {
    const rows = await load([...ids]);
    const found = new Map(rows.map((row) => [key(row), row]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

export function createLoaders(db: Db, organisationId: string | null) {
  const scoped = <T extends { organisationId: any }>(table: T) => (organisationId ? eq(table.organisationId, organisationId) : undefined);
  return {
    customerGroup: byId(
      (ids) => db.select().from(customerGroups).where(and(scoped(customerGroups), inArray(customerGroups.id, ids))),
      (r) => r.id,
    ),
    company: byId(
      (ids) => db.select().from(companies).where(and(scoped(companies), inArray(companies.id, ids))),
      (r) => r.id,
    ),
    contact: byId(
      (ids) => db.select().from(contacts).where(and(scoped(contacts), inArray(contacts.id, ids))),
      (r) => r.id,
    ),
    portalAccount: byId(
      (ids) => db.select().from(portalAccounts).where(and(scoped(portalAccounts), inArray(portalAccounts.contactId, ids))),
      (r) => r.contactId,
    ),
    user: byId(
      (ids) => db.select().from(users).where(and(scoped(users), inArray(users.id, ids))),
      (r) => r.id,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
