import { and, asc, count, eq, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { audit, diff } from "../../audit/audit.js";
import type { Caller, Deps } from "../../context.js";
import type { DbOrTx } from "../../db/client.js";
import { contacts, portalAccounts } from "../../db/schema/index.js";
import { badInput, ensure, notFound } from "../../errors.js";
import { decodeCursor, isId, pageSize, toPage } from "../common/pagination.js";
import { check, email, emptyToNull, name, optionalName, phone } from "../common/validation.js";
import { findCompany } from "./company.service.js";
import type { ContactFilter, CreateContactInput, UpdateContactInput } from "./contact.types.js";
import { findCustomerGroup } from "./customer-group.service.js";
import { likePattern } from "./search.js";

export type ContactRow = typeof contacts.$inferSelect;
export type PortalAccountRow = typeof portalAccounts.$inferSelect;
/** A contact row with its portal account, joined in the same query. */
export type ContactWithAccount = ContactRow & { portalAccount: PortalAccountRow | null };

const details = {
  email: emptyToNull(email),
  phone: emptyToNull(phone),
};

export async function findContact(db: DbOrTx, organisationId: string, id: string) {
  if (!isId(id)) return undefined;
  const [row] = await db
    .select()
    .from(contacts)
    .where(and(eq(contacts.organisationId, organisationId), eq(contacts.id, id)));
  return row;
}

export async function createContact(deps: Pick<Deps, "db">, caller: Caller, raw: CreateContactInput) {
  const input = check(
    z.object({
      firstName: name("firstName"),
      lastName: name("lastName"),
      ...details,
      companyId: z.string().nullish(),
      customerGroupId: z.string().nullish(),
    }),
    raw,
  );
  ensure((input.companyId == null) !== (input.customerGroupId == null), () =>
    badInput(input.companyId == null ? "companyId" : "customerGroupId", "Give exactly one of companyId and customerGroupId."),
  );
  return deps.db.transaction(async (tx) => {
    let customerGroupId = input.customerGroupId;
    if (input.companyId) {
      const company = await findCompany(tx, caller.organisationId, input.companyId);
      ensure(company, () => badInput("companyId", "No such company."));
      customerGroupId = company.customerGroupId;
    } else {
      const group = await findCustomerGroup(tx, caller.organisationId, input.customerGroupId!);
      ensure(group, () => badInput("customerGroupId", "No such customer group."));
    }
    const values = {
      firstName: input.firstName,
      lastName: input.lastName,
      email: input.email ?? null,
      phone: input.phone ?? null,
      companyId: input.companyId ?? null,
      customerGroupId: customerGroupId!,
    };
    const [row] = await tx
      .insert(contacts)
      .values({ organisationId: caller.organisationId, ...values })
      .returning();
    await audit(tx, caller, { action: "createContact", entityType: "Contact", entityId: row.id, changes: diff(null, values) });
    return row;
  });
}

export async function updateContact(deps: Pick<Deps, "db">, caller: Caller, raw: UpdateContactInput) {
  const input = check(
    z.object({ id: z.string(), firstName: optionalName("firstName"), lastName: optionalName("lastName"), ...details }),
    raw,
  );
  ensure(input.firstName !== null, () => badInput("firstName", "firstName may not be empty"));
  ensure(input.lastName !== null, () => badInput("lastName", "lastName may not be empty"));
  return deps.db.transaction(async (tx) => {
    const before = await findContact(tx, caller.organisationId, input.id);
    ensure(before, () => notFound("Contact"));
    const changes = { firstName: input.firstName ?? undefined, lastName: input.lastName ?? undefined, email: input.email, phone: input.phone };
    const [row] = await tx
      .update(contacts)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(contacts.id, before.id))
      .returning();
    await audit(tx, caller, { action: "updateContact", entityType: "Contact", entityId: row.id, changes: diff(before, changes) });
    return row;
  });
}

/** Deleting a contact removes its portal account and its sessions with it (foreign keys cascade). */
export async function deleteContact(deps: Pick<Deps, "db">, caller: Caller, id: string) {
  return deps.db.transaction(async (tx) => {
    const before = await findContact(tx, caller.organisationId, id);
    ensure(before, () => notFound("Contact"));
    await tx.delete(contacts).where(eq(contacts.id, id));
    await audit(tx, caller, {
      action: "deleteContact",
      entityType: "Contact",
      entityId: id,
      changes: { firstName: { from: before.firstName, to: null }, lastName: { from: before.lastName, to: null } },
    });
    return before;
  });
}

/** Contacts by last name, first name and id: one keyset page per query, the portal account joined in. */
export async function listContacts(
  deps: Pick<Deps, "db">,
  organisationId: string,
  args: { first?: number | null; after?: string | null; filter?: ContactFilter | null },
) {
  const first = pageSize(args.first);
  const after = decodeCursor<[string, string, string]>(args.after, 3);
  const where = and(...contactFilters(organisationId, args.filter));
  const keyset = after
    ? sql`(${contacts.lastName}, ${contacts.firstName}, ${contacts.id}) > (${after[0]}, ${after[1]}, ${after[2]}::uuid)`
    : undefined;
  const rows = await deps.db
    .select({ contact: contacts, portalAccount: portalAccounts })
    .from(contacts)
    .leftJoin(portalAccounts, eq(portalAccounts.contactId, contacts.id))
    .where(and(where, keyset))
    .orderBy(asc(contacts.lastName), asc(contacts.firstName), asc(contacts.id))
    .limit(first + 1);
  const nodes: ContactWithAccount[] = rows.map((r) => ({ ...r.contact, portalAccount: r.portalAccount }));
  return toPage(
    nodes,
    first,
    (c) => [c.lastName, c.firstName, c.id],
    async () => {
      const [{ n }] = await deps.db
        .select({ n: count() })
        .from(contacts)
        .leftJoin(portalAccounts, eq(portalAccounts.contactId, contacts.id))
        .where(where);
      return n;
    },
  );
}

function contactFilters(organisationId: string, filter: ContactFilter | null | undefined): SQL[] {
  const filters: SQL[] = [eq(contacts.organisationId, organisationId)];
  const idFilter = (column: typeof contacts.companyId | typeof contacts.customerGroupId, id: string) =>
    isId(id) ? eq(column, id) : sql`false`;
  if (filter?.companyId) filters.push(idFilter(contacts.companyId, filter.companyId));
  if (filter?.customerGroupId) filters.push(idFilter(contacts.customerGroupId, filter.customerGroupId));
  if (filter?.hasPortalAccount != null) {
    filters.push(filter.hasPortalAccount ? isNotNull(portalAccounts.contactId) : isNull(portalAccounts.contactId));
  }
  const search = filter?.search?.trim();
  if (search) {
    const p = likePattern(search);
    filters.push(sql`(${contacts.firstName} ilike ${p} or ${contacts.lastName} ilike ${p}
      or (${contacts.firstName} || ' ' || ${contacts.lastName}) ilike ${p}
      or ${contacts.email} ilike ${p} or ${portalAccounts.login} ilike ${p})`);
  }
  return filters;
}
