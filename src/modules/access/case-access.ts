import { type Placeholder, type SQL, sql } from "drizzle-orm";
import { cases, portalProfileRoles, roleCustomerGroups, roleQueuePermissions, roles, userRoles } from "../../db/schema/index.js";

/**
 * Who asks about cases. A contact's company and profile come from its session's one query,
 * so a change to either applies to its next request.
 */
export type Viewer = ViewerOf<string>;

/**
 * A viewer whose ids may also be placeholders, filled when a statement built once is run
 * (case.service.ts prepares the portal list that way): the predicate is the same either way.
 */
export type ViewerOf<V extends string | Placeholder> =
  | { kind: "Contact"; organisationId: V; contactId: V; companyId: V | null; profileId: V | null }
  | { kind: "User"; organisationId: V; userId: V; superUser: boolean };
type AnyViewer = ViewerOf<string | Placeholder>;

/** The roles that speak for the viewer: its portal profile's, or a staff user's own. */
function viewerRoleIds(viewer: AnyViewer): SQL {
  return viewer.kind === "Contact"
    ? sql`select ${portalProfileRoles.roleId} from ${portalProfileRoles} where ${portalProfileRoles.profileId} = ${viewer.profileId}`
    : sql`select ${userRoles.roleId} from ${userRoles} where ${userRoles.userId} = ${viewer.userId}`;
}

const nobody = (viewer: AnyViewer) => viewer.kind === "Contact" && !viewer.profileId;
const everybody = (viewer: AnyViewer) => viewer.kind === "User" && viewer.superUser;

/**
 * The (queue, customer group) pairs that some role of the viewer reads: a role that grants read on
 * the queue and covers the customer group; with `ownCompanyOnly`, only roles with accessOwnCompanyCases.
 * Uncorrelated, so PostgreSQL evaluates it once per statement (a hashed set), not once per case.
 */
function readGrants(viewer: AnyViewer, ownCompanyOnly: boolean): SQL {
  const ownCompany = ownCompanyOnly
    ? sql`join ${roles} on ${roles.id} = ${roleQueuePermissions.roleId} and ${roles.accessOwnCompanyCases}`
    : sql``;
  return sql`select ${roleQueuePermissions.queueId}, ${roleCustomerGroups.customerGroupId}
    from ${roleQueuePermissions}
    join ${roleCustomerGroups} on ${roleCustomerGroups.roleId} = ${roleQueuePermissions.roleId}
    ${ownCompany}
    where ${roleQueuePermissions.roleId} in (${viewerRoleIds(viewer)}) and ${roleQueuePermissions.read}`;
}

/** The case's queue and customer group are among `grants` (never null: both sides are NOT NULL). */
const covered = (grants: SQL) => sql`(${cases.queueId}, ${cases.customerGroupId}) in (${grants})`;

/**
 * A contact's read rule as disjoint branches, each led by an indexed column: its own cases
 * (cases_contact_idx), and, with a company, its company's cases reported by others
 * (cases_company_idx). `mayRead` is their "or" (with the organisation), so a list may instead read
 * each branch in index order and merge them (case.service.ts) and still apply the one rule.
 * Disjoint: the company branch leaves out the contact's own cases, which the first branch decides
 * (a role with accessOwnCompanyCases is a role too, so nothing is lost).
 */
function contactBranches(viewer: AnyViewer & { kind: "Contact" }): SQL[] {
  const own = sql`${cases.contactId} = ${viewer.contactId} and ${covered(readGrants(viewer, false))}`;
  if (!viewer.companyId) return [own];
  // "is not null" keeps the branch false, not null, for a case without a company.
  const company = sql`${cases.companyId} is not null and ${cases.companyId} = ${viewer.companyId} and ${cases.contactId} <> ${viewer.contactId} and ${covered(readGrants(viewer, true))}`;
  return [own, company];
}

/**
 * THE rule for reading a case (../shared/contract/access.graphql), as one SQL predicate on
 * `cases`: a role of the viewer grants read on the case's queue, covers the case's customer
 * group, and, for a contact, the case is its own or (accessOwnCompanyCases) its company's.
 * myCases, cases, case, addCaseComment and explainCaseAccess all use this one predicate.
 *
 * For a contact it is written as two branches (`contactBranches`), the same rule distributed over
 * its "or": own case and (queue, group) read by any of its roles, or company case and
 * (queue, group) read by a role with accessOwnCompanyCases. The grants are uncorrelated sets, so
 * PostgreSQL evaluates them once per statement and checks each case with a hash lookup.
 * The predicate is true or false, never null (also in a select list).
 */
export function mayRead(viewer: AnyViewer): SQL {
  const inOrganisation = sql`${cases.organisationId} = ${viewer.organisationId}`;
  if (everybody(viewer)) return inOrganisation;
  if (nobody(viewer)) return sql`false`;
  if (viewer.kind === "User") return sql`(${inOrganisation} and ${covered(readGrants(viewer, false))})`;
  const branches = contactBranches(viewer).map((branch) => sql`(${branch})`);
  return sql`(${inOrganisation} and (${sql.join(branches, sql` or `)}))`;
}

/**
 * `mayRead` for a contact as disjoint predicates whose "or" is `mayRead`: a list reads each in
 * index order and merges them. None when the contact may read nothing.
 */
export function mayReadBranches(viewer: AnyViewer & { kind: "Contact" }): SQL[] {
  if (nobody(viewer)) return [];
  const inOrganisation = sql`${cases.organisationId} = ${viewer.organisationId}`;
  return contactBranches(viewer).map((branch) => sql`(${inOrganisation} and ${branch})`);
}

/** Some role of the viewer grants `flag` on the queue (not necessarily the role that grants read). */
function grantsOnQueue(viewer: Viewer, flag: "write" | "append", queueId: SQL | string): SQL {
  if (everybody(viewer)) return sql`true`;
  if (nobody(viewer)) return sql`false`;
  return sql`exists (
    select 1 from ${roleQueuePermissions}
    where ${roleQueuePermissions.roleId} in (${viewerRoleIds(viewer)})
      and ${roleQueuePermissions.queueId} = ${queueId}
      and ${roleQueuePermissions[flag]}
  )`;
}

/** May the viewer create cases in the queue. */
export const mayWrite = (viewer: Viewer, queueId: SQL | string): SQL => grantsOnQueue(viewer, "write", queueId);

/** May the viewer comment on the case: it reads it, and some role grants append on its queue. */
export const mayAppend = (viewer: Viewer): SQL => sql`(${mayRead(viewer)} and ${grantsOnQueue(viewer, "append", sql`${cases.queueId}`)})`;

/** Does any role of the viewer give access to its own company's cases. */
export function hasOwnCompanyAccess(viewer: Viewer): SQL {
  if (nobody(viewer) || viewer.kind === "User") return sql`false`;
  return sql`exists (select 1 from ${roles} where ${roles.id} in (${viewerRoleIds(viewer)}) and ${roles.accessOwnCompanyCases})`;
}

/** The roles that speak for the viewer, as a subquery for other modules' reads. */
export const rolesOf = viewerRoleIds;
