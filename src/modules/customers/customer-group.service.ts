import { and, asc, count, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { audit, diff } from "../../audit/audit.js";
import { endSessionsOfCustomerGroup } from "../../auth/sessions.js";
import type { Caller, Deps } from "../../context.js";
import type { DbOrTx } from "../../db/client.js";
import { companies, contacts, customerGroups, portalAccounts } from "../../db/schema/index.js";
import { findPortalProfile } from "../access/portal-profile.service.js";
import { badInput, conflict, ensure, isUniqueViolation, notFound } from "../../errors.js";
import { isId } from "../common/pagination.js";
import { check, name, optionalName } from "../common/validation.js";
import type { CreateCustomerGroupInput, UpdateCustomerGroupInput } from "./customer-group.types.js";

export type CustomerGroupRow = typeof customerGroups.$inferSelect;

const createSchema = z.object({
  name: name(),
  portalEnabled: z.boolean().nullish(),
  authMode: z.enum(["DATABASE", "LDAP"]).nullish(),
  directoryId: z.string().nullish(),
  profileAssignment: z.enum(["MANUAL", "AUTOMATIC"]).nullish(),
  defaultProfileId: z.string().nullish(),
  selfRegistration: z.boolean().nullish(),
});
const updateSchema = createSchema.extend({ id: z.string(), name: optionalName() });

/** Inputs whose features arrive with later work are refused plainly, never ignored. */
function refuseNotYetAvailable(input: Omit<z.infer<typeof createSchema>, "name">) {
  ensure(input.authMode !== "LDAP" && input.directoryId == null, () =>
    badInput(input.directoryId != null ? "directoryId" : "authMode", "Directory (LDAP) sign-in is not available yet."),
  );
}

/** The default profile must be the organisation's, and AUTOMATIC assignment needs one. */
async function checkProfileAssignment(
  tx: DbOrTx,
  organisationId: string,
  input: { profileAssignment?: string | null; defaultProfileId?: string | null },
  before?: CustomerGroupRow,
) {
  if (input.defaultProfileId != null) {
    const profile = await findPortalProfile(tx, organisationId, input.defaultProfileId);
    ensure(profile, () => badInput("defaultProfileId", "No such portal profile."));
  }
  const assignment = input.profileAssignment ?? before?.profileAssignment ?? "MANUAL";
  const defaultProfileId = input.defaultProfileId === undefined ? before?.defaultProfileId : input.defaultProfileId;
  ensure(assignment !== "AUTOMATIC" || defaultProfileId, () =>
    badInput(input.defaultProfileId === null ? "defaultProfileId" : "profileAssignment", "AUTOMATIC profile assignment needs a default profile."),
  );
}

/** Under AUTOMATIC assignment every portal account of the group holds the group's default profile. */
export async function applyDefaultProfile(tx: DbOrTx, group: CustomerGroupRow) {
  if (group.profileAssignment !== "AUTOMATIC" || !group.defaultProfileId) return;
  await tx
    .update(portalAccounts)
    .set({ profileId: group.defaultProfileId })
    .where(
      and(
        inArray(portalAccounts.contactId, tx.select({ id: contacts.id }).from(contacts).where(eq(contacts.customerGroupId, group.id))),
        sql`${portalAccounts.profileId} is distinct from ${group.defaultProfileId}`,
      ),
    );
}

export async function findCustomerGroup(db: DbOrTx, organisationId: string, id: string) {
  if (!isId(id)) return undefined;
  const [row] = await db
    .select()
    .from(customerGroups)
    .where(and(eq(customerGroups.organisationId, organisationId), eq(customerGroups.id, id)));
  return row;
}

export async function listCustomerGroups(deps: Pick<Deps, "db">, organisationId: string) {
  return deps.db
    .select()
    .from(customerGroups)
    .where(eq(customerGroups.organisationId, organisationId))
    .orderBy(asc(customerGroups.name), asc(customerGroups.id));
}

export async function createCustomerGroup(deps: Pick<Deps, "db">, caller: Caller, raw: CreateCustomerGroupInput) {
  const input = check(createSchema, raw);
  refuseNotYetAvailable(input);
  const values = {
    name: input.name,
    defaultProfileId: input.defaultProfileId ?? null,
    portalEnabled: input.portalEnabled ?? false,
    authMode: input.authMode ?? "DATABASE",
    profileAssignment: input.profileAssignment ?? "MANUAL",
    selfRegistration: input.selfRegistration ?? false,
  } as const;
  try {
    return await deps.db.transaction(async (tx) => {
      await checkProfileAssignment(tx, caller.organisationId, input);
      const [row] = await tx
        .insert(customerGroups)
        .values({ organisationId: caller.organisationId, ...values })
        .returning();
      await audit(tx, caller, { action: "createCustomerGroup", entityType: "CustomerGroup", entityId: row.id, changes: diff(null, values) });
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("name", "A customer group with this name exists already.");
    throw error;
  }
}

export async function updateCustomerGroup(deps: Pick<Deps, "db">, caller: Caller, raw: UpdateCustomerGroupInput) {
  const input = check(updateSchema, raw);
  refuseNotYetAvailable(input);
  ensure(input.name !== null, () => badInput("name", "name may not be empty"));
  try {
    return await deps.db.transaction(async (tx) => {
      const before = await findCustomerGroup(tx, caller.organisationId, input.id);
      ensure(before, () => notFound("Customer group"));
      await checkProfileAssignment(tx, caller.organisationId, input, before);
      const changes = {
        name: input.name ?? undefined,
        defaultProfileId: input.defaultProfileId,
        portalEnabled: input.portalEnabled ?? undefined,
        authMode: input.authMode ?? undefined,
        profileAssignment: input.profileAssignment ?? undefined,
        selfRegistration: input.selfRegistration ?? undefined,
      };
      const [row] = await tx
        .update(customerGroups)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(customerGroups.id, before.id))
        .returning();
      if (before.portalEnabled && !row.portalEnabled) await endSessionsOfCustomerGroup(tx, row.id);
      await applyDefaultProfile(tx, row);
      await audit(tx, caller, { action: "updateCustomerGroup", entityType: "CustomerGroup", entityId: row.id, changes: diff(before, changes) });
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("name", "A customer group with this name exists already.");
    throw error;
  }
}

/** Only an empty group may go: its companies and contacts would otherwise lose their group. */
export async function deleteCustomerGroup(deps: Pick<Deps, "db">, caller: Caller, id: string) {
  return deps.db.transaction(async (tx) => {
    const before = await findCustomerGroup(tx, caller.organisationId, id);
    ensure(before, () => notFound("Customer group"));
    const [{ n: companyCount }] = await tx.select({ n: count() }).from(companies).where(eq(companies.customerGroupId, id));
    const [{ n: contactCount }] = await tx.select({ n: count() }).from(contacts).where(eq(contacts.customerGroupId, id));
    ensure(companyCount === 0 && contactCount === 0, () =>
      conflict(undefined, `The customer group still has ${companyCount} companies and ${contactCount} contacts.`),
    );
    await tx.delete(customerGroups).where(eq(customerGroups.id, id));
    await audit(tx, caller, { action: "deleteCustomerGroup", entityType: "CustomerGroup", entityId: id, changes: { name: { from: before.name, to: null } } });
    return before;
  });
}
