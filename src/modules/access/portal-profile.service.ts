import { and, asc, count, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { audit, diff } from "../../audit/audit.js";
import type { Caller, Deps } from "../../context.js";
import type { DbOrTx, Tx } from "../../db/client.js";
import { portalProfileRoles, portalProfiles, roles } from "../../db/schema/index.js";
import { AppError, badInput, conflict, ensure, ErrorCode, isUniqueViolation, notFound } from "../../errors.js";
import { isId } from "../common/pagination.js";
import { check, name, optionalName } from "../common/validation.js";
import type { CreatePortalProfileInput, UpdatePortalProfileInput } from "./portal-profile.types.js";
import { ensureReferences } from "../common/references.js";

export type PortalProfileRow = typeof portalProfiles.$inferSelect;

const roleIds = z.array(z.string()).max(500).nullish();

export async function findPortalProfile(db: DbOrTx, organisationId: string, id: string) {
  if (!isId(id)) return undefined;
  const [row] = await db
    .select()
    .from(portalProfiles)
    .where(and(eq(portalProfiles.organisationId, organisationId), eq(portalProfiles.id, id)));
  return row;
}

export function listPortalProfiles(deps: Pick<Deps, "db">, organisationId: string) {
  return deps.db
    .select()
    .from(portalProfiles)
    .where(eq(portalProfiles.organisationId, organisationId))
    .orderBy(asc(portalProfiles.name), asc(portalProfiles.id));
}

async function checkRoles(tx: Tx, organisationId: string, ids: string[] | null | undefined) {
  if (!ids?.length) return;
  await ensureReferences(tx, roles, organisationId, ids, (i) => `roleIds.${i}`, "role");
}

async function writeRoles(tx: Tx, profileId: string, ids: string[] | null | undefined) {
  if (ids == null) return;
  await tx.delete(portalProfileRoles).where(eq(portalProfileRoles.profileId, profileId));
  const unique = [...new Set(ids)];
  if (unique.length) await tx.insert(portalProfileRoles).values(unique.map((roleId) => ({ profileId, roleId })));
}

/** The organisation's licence seats cap how many portal profiles exist. */
export async function createPortalProfile(deps: Pick<Deps, "db" | "config">, caller: Caller, raw: CreatePortalProfileInput) {
  const input = check(z.object({ name: name(), roleIds }), raw);
  try {
    return await deps.db.transaction(async (tx) => {
      const seats = deps.config.portalProfileSeats;
      if (seats !== undefined) {
        // Serialises profile creation per organisation, so two concurrent creations cannot both take the last seat.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"portal-profiles:" + caller.organisationId}))`);
        const [{ n }] = await tx.select({ n: count() }).from(portalProfiles).where(eq(portalProfiles.organisationId, caller.organisationId));
        ensure(n < seats, () => new AppError(ErrorCode.LIMIT_EXCEEDED, `The organisation's ${seats} portal profile seats are all taken.`));
      }
      await checkRoles(tx, caller.organisationId, input.roleIds);
      const [row] = await tx.insert(portalProfiles).values({ organisationId: caller.organisationId, name: input.name }).returning();
      await writeRoles(tx, row.id, input.roleIds);
      await audit(tx, caller, { action: "createPortalProfile", entityType: "PortalProfile", entityId: row.id, changes: diff(null, input) });
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error, "portal_profiles_name_key")) throw conflict("name", "A portal profile with this name exists already.");
    throw error;
  }
}

export async function updatePortalProfile(deps: Pick<Deps, "db">, caller: Caller, raw: UpdatePortalProfileInput) {
  const input = check(z.object({ id: z.string(), name: optionalName(), roleIds }), raw);
  ensure(input.name !== null, () => badInput("name", "name may not be empty"));
  try {
    return await deps.db.transaction(async (tx) => {
      const before = await findPortalProfile(tx, caller.organisationId, input.id);
      ensure(before, () => notFound("Portal profile"));
      // An explicit null clears the roles, as it clears any optional field; left out keeps them.
      const roleIdsGiven = input.roleIds === null ? [] : input.roleIds;
      await checkRoles(tx, caller.organisationId, roleIdsGiven);
      const beforeRoles =
        roleIdsGiven === undefined
          ? undefined
          : (await tx.select({ id: portalProfileRoles.roleId }).from(portalProfileRoles).where(eq(portalProfileRoles.profileId, before.id))).map((r) => r.id);
      const changes = { name: input.name ?? undefined };
      const [row] = await tx.update(portalProfiles).set({ ...changes, updatedAt: new Date() }).where(eq(portalProfiles.id, before.id)).returning();
      await writeRoles(tx, row.id, roleIdsGiven);
      await audit(tx, caller, {
        action: "updatePortalProfile",
        entityType: "PortalProfile",
        entityId: row.id,
        changes: diff({ ...before, roleIds: beforeRoles }, { ...changes, roleIds: roleIdsGiven }),
      });
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error, "portal_profiles_name_key")) throw conflict("name", "A portal profile with this name exists already.");
    throw error;
  }
}

