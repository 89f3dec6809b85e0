import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { audit, diff } from "../../audit/audit.js";
import type { Caller, Deps } from "../../context.js";
import type { DbOrTx, Tx } from "../../db/client.js";
import { customerGroups, queues, roleCustomerGroups, roleQueuePermissions, roles } from "../../db/schema/index.js";
import { badInput, conflict, ensure, isUniqueViolation, notFound } from "../../errors.js";
import { isId } from "../common/pagination.js";
import { check, name, optionalName } from "../common/validation.js";
import { ensureReferences } from "../common/references.js";
import type { CreateRoleInput, UpdateRoleInput } from "./role.types.js";

export type RoleRow = typeof roles.$inferSelect;

const permission = z.object({ queueId: z.string(), read: z.boolean(), write: z.boolean(), append: z.boolean() });
const grants = {
  queuePermissions: z.array(permission).max(500).nullish(),
  customerGroupIds: z.array(z.string()).max(500).nullish(),
  accessOwnCompanyCases: z.boolean().nullish(),
};
const createSchema = z.object({ name: name(), ...grants });
const updateSchema = z.object({ id: z.string(), name: optionalName(), ...grants });

export async function findRole(db: DbOrTx, organisationId: string, id: string) {
  if (!isId(id)) return undefined;
  const [row] = await db.select().from(roles).where(and(eq(roles.organisationId, organisationId), eq(roles.id, id)));
  return row;
}

export function listRoles(deps: Pick<Deps, "db">, organisationId: string) {
  return deps.db.select().from(roles).where(eq(roles.organisationId, organisationId)).orderBy(asc(roles.name), asc(roles.id));
}

type Grants = { queuePermissions?: z.infer<typeof permission>[] | null; customerGroupIds?: string[] | null };

/** Every queue and customer group a role names must exist in the organisation, once. */
async function checkGrants(tx: Tx, organisationId: string, input: Grants) {
  const permissions = input.queuePermissions ?? [];
  const queueIds = permissions.map((p) => p.queueId);
  const duplicate = queueIds.findIndex((id, i) => queueIds.indexOf(id) !== i);
  ensure(duplicate < 0, () => badInput(`queuePermissions.${duplicate}.queueId`, "This queue is listed twice."));
  await ensureReferences(tx, queues, organisationId, queueIds, (i) => `queuePermissions.${i}.queueId`, "queue");
  await ensureReferences(tx, customerGroups, organisationId, input.customerGroupIds ?? [], (i) => `customerGroupIds.${i}`, "customer group");
}

/** A role's grants in a stable order, so the audit shows what a replacement changed. */
async function grantsOf(tx: Tx, roleId: string) {
  const permissions = await tx
    .select({ queueId: roleQueuePermissions.queueId, read: roleQueuePermissions.read, write: roleQueuePermissions.write, append: roleQueuePermissions.append })
    .from(roleQueuePermissions)
    .where(eq(roleQueuePermissions.roleId, roleId))
    .orderBy(asc(roleQueuePermissions.queueId));
  const groups = await tx
    .select({ id: roleCustomerGroups.customerGroupId })
    .from(roleCustomerGroups)
    .where(eq(roleCustomerGroups.roleId, roleId))
    .orderBy(asc(roleCustomerGroups.customerGroupId));
  return { queuePermissions: permissions, customerGroupIds: groups.map((g) => g.id) };
}

/** Replaces the role's grants with exactly those given (a list left out keeps its grants). */
async function writeGrants(tx: Tx, roleId: string, input: Grants) {
  if (input.queuePermissions != null) {
    await tx.delete(roleQueuePermissions).where(eq(roleQueuePermissions.roleId, roleId));
    if (input.queuePermissions.length) {
      await tx.insert(roleQueuePermissions).values(input.queuePermissions.map((p) => ({ ...p, roleId })));
    }
  }
  if (input.customerGroupIds != null) {
    await tx.delete(roleCustomerGroups).where(eq(roleCustomerGroups.roleId, roleId));
    const ids = [...new Set(input.customerGroupIds)];
    if (ids.length) await tx.insert(roleCustomerGroups).values(ids.map((customerGroupId) => ({ roleId, customerGroupId })));
  }
}

export async function createRole(deps: Pick<Deps, "db">, caller: Caller, raw: CreateRoleInput) {
  const input = check(createSchema, raw);
  try {
    return await deps.db.transaction(async (tx) => {
      await checkGrants(tx, caller.organisationId, input);
      const [row] = await tx
        .insert(roles)
        .values({ organisationId: caller.organisationId, name: input.name, accessOwnCompanyCases: input.accessOwnCompanyCases ?? false })
        .returning();
      await writeGrants(tx, row.id, input);
      await audit(tx, caller, { action: "createRole", entityType: "Role", entityId: row.id, changes: diff(null, input) });
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error, "roles_name_key")) throw conflict("name", "A role with this name exists already.");
    throw error;
  }
}

/** Grants are read on every request, so the change applies to every session's next request. */
export async function updateRole(deps: Pick<Deps, "db">, caller: Caller, raw: UpdateRoleInput) {
  const input = check(updateSchema, raw);
  ensure(input.name !== null, () => badInput("name", "name may not be empty"));
  try {
    return await deps.db.transaction(async (tx) => {
      const before = await findRole(tx, caller.organisationId, input.id);
      ensure(before, () => notFound("Role"));
      // An explicit null clears a list, as it clears any optional field; left out keeps it.
      const grants: Grants = {
        queuePermissions: input.queuePermissions === null ? [] : input.queuePermissions,
        customerGroupIds: input.customerGroupIds === null ? [] : input.customerGroupIds,
      };
      await checkGrants(tx, caller.organisationId, grants);
      const previous = await grantsOf(tx, before.id);
      const changes = { name: input.name ?? undefined, accessOwnCompanyCases: input.accessOwnCompanyCases ?? undefined };
      const [row] = await tx.update(roles).set({ ...changes, updatedAt: new Date() }).where(eq(roles.id, before.id)).returning();
      await writeGrants(tx, row.id, grants);
      await audit(tx, caller, {
        action: "updateRole",
        entityType: "Role",
        entityId: row.id,
        changes: diff(
          { ...before, ...previous },
          { ...changes, queuePermissions: grants.queuePermissions, customerGroupIds: grants.customerGroupIds },
        ),
      });
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error, "roles_name_key")) throw conflict("name", "A role with this name exists already.");
    throw error;
  }
}
