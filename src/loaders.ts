import DataLoader from "dataloader";
import { and, asc, count, eq, inArray } from "drizzle-orm";
import { type AuthenticationPolicy, policyFor } from "./auth/policy.js";
import type { Db } from "./db/client.js";
import {
  caseComments,
  companies,
  contacts,
  customerGroups,
  loginThrottles,
  portalAccounts,
  portalProfileRoles,
  portalProfiles,
  queues,
  roleCustomerGroups,
  roleQueuePermissions,
  roles,
  userRoles,
  users,
} from "./db/schema/index.js";

/** One batched query per kind of nested field and request, never one per row. */
function byId<Row>(load: (ids: string[]) => Promise<Row[]>, key: (row: Row) => string) {
  return new DataLoader<string, Row | null>(async (ids) => {
    const rows = await load([...ids]);
    const found = new Map(rows.map((row) => [key(row), row]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

/** One batched query per kind of to-many field: rows grouped by their parent's id. */
function manyBy<Row>(load: (ids: string[]) => Promise<Row[]>, key: (row: Row) => string) {
  return new DataLoader<string, Row[]>(async (ids) => {
    const groups = new Map<string, Row[]>();
    for (const row of await load([...ids])) {
      const k = key(row);
      groups.set(k, [...(groups.get(k) ?? []), row]);
    }
    return ids.map((id) => groups.get(id) ?? []);
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
    queue: byId(
      (ids) => db.select().from(queues).where(and(scoped(queues), inArray(queues.id, ids))),
      (r) => r.id,
    ),
    portalProfile: byId(
      (ids) => db.select().from(portalProfiles).where(and(scoped(portalProfiles), inArray(portalProfiles.id, ids))),
      (r) => r.id,
    ),
    rolesOfProfile: manyBy(
      (ids) =>
        db
          .select({ profileId: portalProfileRoles.profileId, role: roles })
          .from(portalProfileRoles)
          .innerJoin(roles, eq(roles.id, portalProfileRoles.roleId))
          .where(inArray(portalProfileRoles.profileId, ids))
          .orderBy(asc(roles.name)),
      (r) => r.profileId,
    ),
    rolesOfUser: manyBy(
      (ids) =>
        db
          .select({ userId: userRoles.userId, role: roles })
          .from(userRoles)
          .innerJoin(roles, eq(roles.id, userRoles.roleId))
          .where(inArray(userRoles.userId, ids))
          .orderBy(asc(roles.name)),
      (r) => r.userId,
    ),
    queuePermissionsOfRole: manyBy(
      (ids) =>
        db
          .select({ permission: roleQueuePermissions, queue: queues })
          .from(roleQueuePermissions)
          .innerJoin(queues, eq(queues.id, roleQueuePermissions.queueId))
          .where(inArray(roleQueuePermissions.roleId, ids))
          .orderBy(asc(queues.name)),
      (r) => r.permission.roleId,
    ),
    customerGroupsOfRole: manyBy(
      (ids) =>
        db
          .select({ roleId: roleCustomerGroups.roleId, group: customerGroups })
          .from(roleCustomerGroups)
          .innerJoin(customerGroups, eq(customerGroups.id, roleCustomerGroups.customerGroupId))
          .where(inArray(roleCustomerGroups.roleId, ids))
          .orderBy(asc(customerGroups.name)),
      (r) => r.roleId,
    ),
    contactCountOfProfile: new DataLoader<string, number>(async (ids) => {
      const rows = await db
        .select({ profileId: portalAccounts.profileId, n: count() })
        .from(portalAccounts)
        .where(inArray(portalAccounts.profileId, [...ids]))
        .groupBy(portalAccounts.profileId);
      const found = new Map(rows.map((r) => [r.profileId, r.n]));
      return ids.map((id) => found.get(id) ?? 0);
    }),
    /** The policy governing an organisation: read once per request, however many rows need it. */
    policy: new DataLoader<string, AuthenticationPolicy>((ids) => Promise.all(ids.map((id) => policyFor(db, id)))),
    /** Failure locks of portal login names, keyed `${organisationId} ${lower-cased login}`: one query for a page of accounts. */
    portalThrottle: new DataLoader<string, typeof loginThrottles.$inferSelect | null>(async (keys) => {
      const pairs = keys.map((k) => k.split(" ") as [string, string]);
      const rows = await db
        .select()
        .from(loginThrottles)
        .where(
          and(
            eq(loginThrottles.audience, "PORTAL"),
            inArray(loginThrottles.organisationId, [...new Set(pairs.map((p) => p[0]))]),
            inArray(loginThrottles.loginKey, [...new Set(pairs.map((p) => p[1]))]),
          ),
        );
      const found = new Map(rows.map((r) => [`${r.organisationId} ${r.loginKey}`, r]));
      return keys.map((k) => found.get(k) ?? null);
    }),
    commentsOfCase: manyBy(
      (ids) => db.select().from(caseComments).where(inArray(caseComments.caseId, ids)).orderBy(asc(caseComments.createdAt), asc(caseComments.id)),
      (r) => r.caseId,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
