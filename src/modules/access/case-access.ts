import { type SQL, sql } from "drizzle-orm";
import { cases, portalProfileRoles, roleCustomerGroups, roleQueuePermissions, roles, userRoles } from "../../db/schema/index.js";

/**
 * Who asks about cases. A contact's company and profile come from its session's one query,
 * so a change to either applies to its next request.
 */
export type Viewer =
  | { kind: "Contact"; organisationId: string; contactId: string; companyId: string | null; profileId: string | null }
  | { kind: "User"; organisationId: string; userId: string; superUser: boolean };

/** The roles that speak for the viewer: its portal profile's, or a staff user's own. */
function viewerRoleIds(viewer: Viewer): SQL {
  return viewer.kind === "Contact"
    ? sql`select ${portalProfileRoles.roleId} from ${portalProfileRoles} where ${portalProfileRoles.profileId} = ${viewer.profileId}`
    : sql`select ${userRoles.roleId} from ${userRoles} where ${userRoles.userId} = ${viewer.userId}`;
}

const nobody = (viewer: Viewer) => viewer.kind === "Contact" && !viewer.profileId;
const everybody = (viewer: Viewer) => viewer.kind === "User" && viewer.superUser;

/**
 * THE rule for reading a case (../shared/contract/access.graphql), as one SQL predicate on
 * `cases`: a role of the viewer grants read on the case's queue, covers the case's customer
 * group, and, for a contact, the case is its own or (accessOwnCompanyCases) its company's.
 * myCases, cases, case, addCaseComment and explainCaseAccess all use this one predicate.
 */
export function mayRead(viewer: Viewer): SQL {
  const inOrganisation = sql`${cases.organisationId} = ${viewer.organisationId}`;
  if (everybody(viewer)) return inOrganisation;
  if (nobody(viewer)) return sql`false`;
  const ownOrCompany =
    viewer.kind === "Contact"
      ? sql`and (${cases.contactId} = ${viewer.contactId} or (${roles.accessOwnCompanyCases} and ${cases.companyId} = ${viewer.companyId}))`
      : sql``;
  // For a contact, the first line narrows the scan to its own and its company's cases (two indexes).
  const narrow =
    viewer.kind === "Contact"
      ? viewer.companyId
        ? sql`(${cases.contactId} = ${viewer.contactId} or ${cases.companyId} = ${viewer.companyId}) and `
        : sql`${cases.contactId} = ${viewer.contactId} and `
      : sql``;
  return sql`(${inOrganisation} and ${narrow}exists (
    select 1 from ${roleQueuePermissions}
    join ${roles} on ${roles.id} = ${roleQueuePermissions.roleId}
    join ${roleCustomerGroups} on ${roleCustomerGroups.roleId} = ${roleQueuePermissions.roleId}
      and ${roleCustomerGroups.customerGroupId} = ${cases.customerGroupId}
    where ${roleQueuePermissions.roleId} in (${viewerRoleIds(viewer)})
      and ${roleQueuePermissions.queueId} = ${cases.queueId}
      and ${roleQueuePermissions.read}
      ${ownOrCompany}
  ))`;
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
