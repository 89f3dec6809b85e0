import { eq } from "drizzle-orm";
import { audit, diff } from "../../audit/audit.js";
import { type AuthenticationPolicy, mergePolicy, type PolicyPatch, PolicyInputError, policyOfGroup } from "../../auth/policy.js";
import type { Caller, Deps } from "../../context.js";
import type { DbOrTx } from "../../db/client.js";
import { authenticationPolicies, organisationGroups } from "../../db/schema/index.js";
import { badInput } from "../../errors.js";

export type PolicyView = AuthenticationPolicy & { organisationGroup: { id: string; name: string } };

async function groupOf(db: DbOrTx, organisationGroupId: string) {
  const [group] = await db
    .select({ id: organisationGroups.id, name: organisationGroups.name })
    .from(organisationGroups)
    .where(eq(organisationGroups.id, organisationGroupId));
  return group;
}

export async function authenticationPolicy(deps: Pick<Deps, "db">, organisationGroupId: string): Promise<PolicyView> {
  return { ...(await policyOfGroup(deps.db, organisationGroupId)), organisationGroup: await groupOf(deps.db, organisationGroupId) };
}

/** Partial update merged into the stored settings, validated whole, audited in the same transaction. */
export async function updateAuthenticationPolicy(
  deps: Pick<Deps, "db" | "clock">,
  caller: Caller,
  organisationGroupId: string,
  patch: PolicyPatch,
): Promise<PolicyView> {
  return deps.db.transaction(async (tx) => {
    const before = await policyOfGroup(tx, organisationGroupId);
    let after: AuthenticationPolicy;
    try {
      after = mergePolicy(before, patch);
    } catch (error) {
      if (error instanceof PolicyInputError) throw badInput(error.field, error.message);
      throw error;
    }
    const now = deps.clock();
    await tx
      .insert(authenticationPolicies)
      .values({ organisationGroupId, settings: after, updatedAt: now })
      .onConflictDoUpdate({ target: authenticationPolicies.organisationGroupId, set: { settings: after, updatedAt: now } });
    const flat = (p: AuthenticationPolicy) =>
      Object.fromEntries(
        Object.entries(p).flatMap(([k, v]) =>
          v !== null && typeof v === "object" ? Object.entries(v).map(([f, x]) => [`${k}.${f}`, x]) : [[k, v]],
        ),
      );
    await audit(tx, caller, {
      action: "updateAuthenticationPolicy",
      entityType: "AuthenticationPolicy",
      entityId: organisationGroupId,
      changes: diff(flat(before), flat(after)),
    });
    return { ...after, organisationGroup: await groupOf(tx, organisationGroupId) };
  });
}
