import { and, asc, count, eq, inArray, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { audit, diff } from "../../audit/audit.js";
import type { Caller, Deps } from "../../context.js";
import type { DbOrTx } from "../../db/client.js";
import { companies, contacts, sessions } from "../../db/schema/index.js";
import { badInput, conflict, ensure, notFound } from "../../errors.js";
import { decodeCursor, isId, pageSize, toPage } from "../common/pagination.js";
import { check, name, optionalName } from "../common/validation.js";
import type { CompanyFilter, CreateCompanyInput, UpdateCompanyInput } from "./company.types.js";
import { applyDefaultProfile, findCustomerGroup } from "./customer-group.service.js";
import { likePattern } from "./search.js";

export type CompanyRow = typeof companies.$inferSelect;

export async function findCompany(db: DbOrTx, organisationId: string, id: string) {
  if (!isId(id)) return undefined;
  const [row] = await db
    .select()
    .from(companies)
    .where(and(eq(companies.organisationId, organisationId), eq(companies.id, id)));
  return row;
}

async function requireCustomerGroup(db: DbOrTx, organisationId: string, id: string) {
  const group = await findCustomerGroup(db, organisationId, id);
  ensure(group, () => badInput("customerGroupId", "No such customer group."));
  return group;
}

export async function createCompany(deps: Pick<Deps, "db">, caller: Caller, raw: CreateCompanyInput) {
  const input = check(z.object({ name: name(), customerGroupId: z.string() }), raw);
  return deps.db.transaction(async (tx) => {
    await requireCustomerGroup(tx, caller.organisationId, input.customerGroupId);
    const [row] = await tx
      .insert(companies)
      .values({ organisationId: caller.organisationId, ...input })
      .returning();
    await audit(tx, caller, { action: "createCompany", entityType: "Company", entityId: row.id, changes: diff(null, input) });
    return row;
  });
}

/** Moving a company moves its contacts with it: a contact's group is always its company's. */
export async function updateCompany(deps: Pick<Deps, "db">, caller: Caller, raw: UpdateCompanyInput) {
  const input = check(z.object({ id: z.string(), name: optionalName(), customerGroupId: z.string().nullish() }), raw);
  ensure(input.name !== null, () => badInput("name", "name may not be empty"));
  ensure(input.customerGroupId !== null, () => badInput("customerGroupId", "A company needs a customer group."));
  return deps.db.transaction(async (tx) => {
    const before = await findCompany(tx, caller.organisationId, input.id);
    ensure(before, () => notFound("Company"));
    const group = input.customerGroupId ? await requireCustomerGroup(tx, caller.organisationId, input.customerGroupId) : undefined;
    const changes = { name: input.name ?? undefined, customerGroupId: input.customerGroupId ?? undefined };
    const [row] = await tx
      .update(companies)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(companies.id, before.id))
      .returning();
    if (row.customerGroupId !== before.customerGroupId) {
      await tx.update(contacts).set({ customerGroupId: row.customerGroupId }).where(eq(contacts.companyId, row.id));
      // A group off the portal makes the contacts unable to sign in: their sessions end, not pause.
      if (!group?.portalEnabled) {
        const companyContacts = tx.select({ id: contacts.id }).from(contacts).where(eq(contacts.companyId, row.id));
        await tx.delete(sessions).where(inArray(sessions.contactId, companyContacts));
      }
      if (group) await applyDefaultProfile(tx, group);
    }
    await audit(tx, caller, { action: "updateCompany", entityType: "Company", entityId: row.id, changes: diff(before, changes) });
    return row;
  });
}

export async function deleteCompany(deps: Pick<Deps, "db">, caller: Caller, id: string) {
  return deps.db.transaction(async (tx) => {
    const before = await findCompany(tx, caller.organisationId, id);
    ensure(before, () => notFound("Company"));
    const [{ n }] = await tx.select({ n: count() }).from(contacts).where(eq(contacts.companyId, id));
    ensure(n === 0, () => conflict(undefined, `The company still has ${n} contacts.`));
    await tx.delete(companies).where(eq(companies.id, id));
    await audit(tx, caller, { action: "deleteCompany", entityType: "Company", entityId: id, changes: { name: { from: before.name, to: null } } });
    return before;
  });
}

/** Companies ordered by name and id, one keyset page per query. */
export async function listCompanies(
  deps: Pick<Deps, "db">,
  organisationId: string,
  args: { first?: number | null; after?: string | null; filter?: CompanyFilter | null },
) {
  const first = pageSize(args.first);
  const after = decodeCursor<[string, string]>(args.after, 2);
  const filters: SQL[] = [eq(companies.organisationId, organisationId)];
  const search = args.filter?.search?.trim();
  if (search) filters.push(sql`${companies.name} ilike ${likePattern(search)}`);
  if (args.filter?.customerGroupId) {
    filters.push(isId(args.filter.customerGroupId) ? eq(companies.customerGroupId, args.filter.customerGroupId) : sql`false`);
  }
  const where = and(...filters);
  const rows = await deps.db
    .select()
    .from(companies)
    .where(after ? and(where, sql`(${companies.name}, ${companies.id}) > (${after[0]}, ${after[1]}::uuid)`) : where)
    .orderBy(asc(companies.name), asc(companies.id))
    .limit(first + 1);
  return toPage(
    rows,
    first,
    (r) => [r.name, r.id],
    async () => (await deps.db.select({ n: count() }).from(companies).where(where))[0].n,
  );
}
