import { and, asc, eq, type Placeholder, type SQL, sql } from "drizzle-orm";
import { unionAll } from "drizzle-orm/pg-core";
import { z } from "zod";
import { audit, diff } from "../../audit/audit.js";
import type { Caller, Deps, Principal } from "../../context.js";
import { type Db, type DbOrTx, perDatabase, prepareRaw } from "../../db/client.js";
import {
  caseComments,
  cases,
  companies,
  contacts,
  customerGroups,
  portalAccounts,
  portalProfileRoles,
  portalProfiles,
  queues,
  roleCustomerGroups,
  roleQueuePermissions,
  roles,
} from "../../db/schema/index.js";
import { badInput, ensure, forbidden, notFound } from "../../errors.js";
import { hasOwnCompanyAccess, mayAppend, mayRead, mayReadBranches, mayWrite, rolesOf, type Viewer, type ViewerOf } from "../access/case-access.js";
import { findQueue } from "../access/queue.service.js";
import { decodeTimeCursor, idEquals, isId, newestFirst, pageSize, toPage } from "../common/pagination.js";
import { check } from "../common/validation.js";
import { findContact } from "../customers/contact.service.js";
import type { AddCaseCommentInput, CaseFilter, CaseScope, CreateCaseInput } from "./case.types.js";

export type CaseRow = typeof cases.$inferSelect;

/**
 * A case of a list page with its queue and reporter, read in the page's one statement. The reporter
 * carries what the Contact type's rules read (its company) and, when the client asks for more than
 * its names, every column the type shows.
 */
export type CaseWithRefs = {
  id: string;
  number: number;
  subject: string;
  description: string | null;
  status: CaseRow["status"];
  createdAt: Date;
  queueId: string;
  contactId: string;
  queue: { id: string; name: string };
  contact: ListedContact;
};
type ListedContact = { id: string; firstName: string; lastName: string; companyId: string | null } & Partial<{
  email: string | null;
  phone: string | null;
  customerGroupId: string;
  createdAt: Date;
}>;
/** A page row: the case, its cursor's timestamp as PostgreSQL wrote it (all its microseconds), and the count when asked. */
type ListedCase = CaseWithRefs & { cursorAt: string; total?: number };

/** Contact fields a list page answers from the reporter's names and company alone; any other asks for `contactDetails`. */
export const LISTED_CONTACT_FIELDS = new Set(["__typename", "id", "firstName", "lastName", "company", "portalAccount"]);

export function viewerOf(principal: Principal): Viewer {
  return principal.kind === "Contact"
    ? {
        kind: "Contact",
        organisationId: principal.organisationId,
        contactId: principal.id,
        companyId: principal.companyId ?? null,
        profileId: principal.profileId ?? null,
      }
    : { kind: "User", organisationId: principal.organisationId, userId: principal.id, superUser: principal.superUser };
}

type ListArgs = { first?: number | null; after?: string | null; withCount?: boolean; contactDetails?: boolean };

/**
 * The columns of a page row, in the order `listedCase` reads them: the case's from the page itself,
 * then its queue's and reporter's. Timestamps arrive as PostgreSQL's text (both drivers leave
 * them so): the cursor keeps every microsecond of it, which a JavaScript Date would cut to milliseconds.
 */
const PAGE_COLUMNS = sql.raw(
  `"page"."id", "page"."number", "page"."subject", "page"."description", "page"."status", "page"."created_at", "page"."queue_id", "page"."contact_id"`,
);
const listedCase = (contactDetails: boolean, counted: boolean) => (r: any[]): ListedCase => {
  const contact: ListedContact = { id: r[10], firstName: r[11], lastName: r[12], companyId: r[13] };
  if (contactDetails) {
    contact.email = r[14];
    contact.phone = r[15];
    contact.customerGroupId = r[16];
    contact.createdAt = new Date(r[17]);
  }
  const row: ListedCase = {
    id: r[0],
    number: Number(r[1]),
    subject: r[2],
    description: r[3],
    status: r[4],
    createdAt: new Date(r[5]),
    queueId: r[6],
    contactId: r[7],
    queue: { id: r[8], name: r[9] },
    contact,
    cursorAt: r[5],
  };
  if (counted) row.total = Number(r[r.length - 1]);
  return row;
};

/**
 * The statements of a case list: one keyset page of the cases `where` allows, newest first, with
 * queue and reporter joined in, with or without its count. The page is chosen from `cases` alone,
 * carrying the columns it shows, and only its rows are joined. With `branches` (disjoint predicates
 * whose "or" is `where`), the page is the merge of each branch's own newest rows, so that each is
 * one ordered index range scan that stops after the page (Merge Append), rather than every readable
 * case read and sorted. Placeholders: limit, and afterAt/afterId with `keyset`; `where` may hold
 * more. Prepared: postgres.js parses each statement once per connection, and PostgreSQL may keep
 * its plan. Rows are read as arrays by `listedCase`: drizzle's mapping of a joined row cost more
 * CPU than PostgreSQL spends on the page.
 */
function caseStatements(db: Db, where: SQL, keyset: boolean, contactDetails: boolean, branches: SQL[] = [where]) {
  const p = sql.placeholder;
  const after = () => (keyset ? sql`(${cases.createdAt}, ${cases.id}) < (${p("afterAt")}::timestamptz, ${p("afterId")}::uuid)` : undefined);
  const newest = (branch: SQL) =>
    db
      .select({
        id: cases.id,
        number: cases.number,
        subject: cases.subject,
        description: cases.description,
        status: cases.status,
        createdAt: cases.createdAt,
        queueId: cases.queueId,
        contactId: cases.contactId,
      })
      .from(cases)
      .where(and(branch, after()))
      .orderBy(...newestFirst(cases.createdAt, cases.id))
      .limit(p("limit"));
  const [firstBranch, ...otherBranches] = branches.map(newest);
  const merged = otherBranches.length
    ? unionAll(firstBranch, otherBranches[0], ...otherBranches.slice(1)).orderBy(...newestFirst(cases.createdAt, cases.id)).limit(p("limit"))
    : firstBranch;
  // The branches are disjoint: their counts add up, and each is counted along its own index.
  const branchCounts = sql.join(
    branches.map((branch) => sql`(select count(*) from ${cases} where ${branch})`),
    sql` + `,
  );
  const details = contactDetails ? sql`, ${contacts.email}, ${contacts.phone}, ${contacts.customerGroupId}, ${contacts.createdAt}` : sql``;
  const pageWith = (name: string, count: SQL | undefined) =>
    prepareRaw(
      db,
      name,
      sql`select ${PAGE_COLUMNS}, ${queues.id}, ${queues.name}, ${contacts.id}, ${contacts.firstName}, ${contacts.lastName}, ${contacts.companyId}${details}${count ? sql`, ${count}` : sql``}
        from ${merged.as("page")}
        join ${queues} on ${queues.id} = "page"."queue_id"
        join ${contacts} on ${contacts.id} = "page"."contact_id"
        order by "page"."created_at" desc nulls last, "page"."id" desc nulls last`,
      (rows) => rows.map(listedCase(contactDetails, count !== undefined)),
    );
  return {
    page: pageWith("casePage", undefined),
    // totalCount asked for: counted in the page's own statement (one round trip), as an InitPlan run once.
    pageAndCount: pageWith("casePageAndCount", branchCounts),
    count: prepareRaw<{ n: number | string }>(db, "caseCount", sql`select ${branchCounts} as n`),
  };
}
type CaseStatements = ReturnType<typeof caseStatements>;

/** Runs a list's statements (`statementsFor(keyset)`), `values` filling their placeholders. */
async function casePage(statementsFor: (keyset: boolean) => CaseStatements, values: Record<string, unknown>, args: ListArgs) {
  const first = pageSize(args.first);
  const after = decodeTimeCursor(args.after);
  const statements = statementsFor(after !== null);
  const pageValues = { ...values, limit: first + 1, ...(after ? { afterAt: after[0], afterId: after[1] } : {}) };
  const rows = await (args.withCount ? statements.pageAndCount : statements.page)(pageValues);
  // An empty page carries no count: past the last case, or nothing readable at all.
  const counted = rows[0]?.total ?? (args.withCount && !after ? 0 : undefined);
  return toPage(
    rows,
    first,
    (c) => [c.cursorAt, c.id],
    async () => counted ?? Number((await statements.count(values))[0].n),
  );
}

/**
 * The portal list's statements are built once per database and shape (company or not, profile or
 * not, scope, keyset or not) with the contact's ids as placeholders, and then only run: building
 * drizzle SQL costs more CPU than PostgreSQL spends on the page.
 */
const portalStatements = perDatabase(() => new Map<string, CaseStatements>());

function portalListStatements(
  db: Db,
  viewer: Viewer & { kind: "Contact" },
  scope: CaseScope | null,
  keyset: boolean,
  contactDetails: boolean,
): CaseStatements {
  const shape = [
    viewer.companyId ? "company" : "-",
    viewer.profileId ? "profile" : "-",
    scope ?? "ALL",
    keyset ? "after" : "first",
    contactDetails ? "details" : "names",
  ].join("/");
  const shapes = portalStatements(db);
  let statements = shapes.get(shape);
  if (!statements) {
    const p = sql.placeholder;
    const template: ViewerOf<Placeholder> = {
      kind: "Contact",
      organisationId: p("organisationId"),
      contactId: p("contactId"),
      companyId: viewer.companyId ? p("companyId") : null,
      profileId: viewer.profileId ? p("profileId") : null,
    };
    const scoped = (predicate: SQL) =>
      scope === "OWN"
        ? sql`(${predicate} and ${cases.contactId} = ${p("contactId")})`
        : scope === "COMPANY"
          ? sql`(${predicate} and ${cases.companyId} = ${p("companyId")})`
          : predicate;
    const branches = mayReadBranches(template).map(scoped);
    statements = caseStatements(db, scoped(mayRead(template)), keyset, contactDetails, branches.length ? branches : undefined);
    shapes.set(shape, statements);
  }
  return statements;
}

/** The portal's list: everything the contact may read, or only its own or its company's. */
export async function myCases(deps: Pick<Deps, "db">, viewer: Viewer & { kind: "Contact" }, scope: CaseScope | null, args: ListArgs) {
  if (scope === "COMPANY") {
    const allowed = await holds(deps.db, hasOwnCompanyAccess(viewer));
    ensure(allowed && viewer.companyId, () => forbidden("No role of your portal profile gives access to your company's cases."));
  }
  const values = {
    organisationId: viewer.organisationId,
    contactId: viewer.contactId,
    companyId: viewer.companyId,
    profileId: viewer.profileId,
  };
  const contactDetails = args.contactDetails ?? true;
  return casePage((keyset) => portalListStatements(deps.db, viewer, scope, keyset, contactDetails), values, args);
}

/** The staff list: cases in queues and customer groups the user's roles let it read (super users: all). */
export async function listCases(deps: Pick<Deps, "db">, viewer: Viewer, args: ListArgs & { filter?: CaseFilter | null }) {
  const filters = [mayRead(viewer)];
  const f = args.filter;
  if (f?.queueId) filters.push(idEquals(cases.queueId, f.queueId));
  if (f?.contactId) filters.push(idEquals(cases.contactId, f.contactId));
  if (f?.companyId) filters.push(idEquals(cases.companyId, f.companyId));
  if (f?.status) filters.push(eq(cases.status, f.status));
  return casePage((keyset) => caseStatements(deps.db, and(...filters)!, keyset, args.contactDetails ?? true), {}, args);
}

/** A case the viewer may read, or NOT_FOUND (the two are indistinguishable). */
export async function findReadableCase(deps: Pick<Deps, "db">, viewer: Viewer, id: string) {
  ensure(isId(id), () => notFound("Case"));
  const [row] = await deps.db
    .select()
    .from(cases)
    .where(and(eq(cases.id, id), mayRead(viewer)));
  ensure(row, () => notFound("Case"));
  return row;
}

const createSchema = z.object({
  queueId: z.string(),
  subject: z.string().trim().min(1, "subject may not be empty").max(300),
  description: z.string().max(100_000).nullish(),
  contactId: z.string().nullish(),
});

/** Portal: write on the queue, the caller is the reporter. Staff: a reporter, and write through a role. */
export async function createCase(deps: Pick<Deps, "db">, caller: Caller, viewer: Viewer, raw: CreateCaseInput) {
  const input = check(createSchema, raw);
  return deps.db.transaction(async (tx) => {
    const queue = await findQueue(tx, viewer.organisationId, input.queueId);
    ensure(queue, () => badInput("queueId", "No such queue."));
    let reporterId: string;
    if (viewer.kind === "Contact") {
      ensure(input.contactId == null || input.contactId === viewer.contactId, () =>
        badInput("contactId", "A portal user reports its own cases."),
      );
      reporterId = viewer.contactId;
    } else {
      ensure(input.contactId, () => badInput("contactId", "Name the contact who reports the case."));
      reporterId = input.contactId;
    }
    const reporter = await findContact(tx, viewer.organisationId, reporterId);
    ensure(reporter, () => badInput("contactId", "No such contact."));
    const allowed = await holds(tx, mayWrite(viewer, queue.id));
    ensure(allowed, () => forbidden(`You may not create cases in queue '${queue.name}'.`));
    const values = {
      queueId: queue.id,
      subject: input.subject,
      description: input.description ?? null,
      contactId: reporter.id,
      companyId: reporter.companyId,
      customerGroupId: reporter.customerGroupId,
    };
    const [row] = await tx
      .insert(cases)
      .values({ organisationId: viewer.organisationId, ...values })
      .returning();
    await audit(tx, caller, { action: "createCase", entityType: "Case", entityId: row.id, changes: diff(null, values) });
    return row;
  });
}

/** NOT_FOUND when the case cannot be read; FORBIDDEN when it can but no role grants append. */
export async function addCaseComment(deps: Pick<Deps, "db">, caller: Caller, viewer: Viewer, raw: AddCaseCommentInput) {
  const input = check(z.object({ caseId: z.string(), body: z.string().trim().min(1, "body may not be empty").max(100_000) }), raw);
  return deps.db.transaction(async (tx) => {
    ensure(isId(input.caseId), () => notFound("Case"));
    const [row] = await tx
      .select({ id: cases.id, append: sql<boolean>`${mayAppend(viewer)}` })
      .from(cases)
      .where(and(eq(cases.id, input.caseId), mayRead(viewer)));
    ensure(row, () => notFound("Case"));
    ensure(row.append, () => forbidden("You may read this case but not comment on it."));
    const [comment] = await tx
      .insert(caseComments)
      .values({
        organisationId: viewer.organisationId,
        caseId: row.id,
        body: input.body,
        authorType: viewer.kind,
        authorId: viewer.kind === "Contact" ? viewer.contactId : viewer.userId,
      })
      .returning();
    await audit(tx, caller, { action: "addCaseComment", entityType: "CaseComment", entityId: comment.id, changes: { caseId: { from: null, to: row.id } } });
    return comment;
  });
}

/** Per queue, the union of the viewer's roles' flags; queues where all are false are left out. */
export async function myPermissions(deps: Pick<Deps, "db">, viewer: Viewer) {
  const granted = viewer.kind === "Contact" && !viewer.profileId ? [] : await deps.db
    .select({
      queue: queues,
      read: sql<boolean>`bool_or(${roleQueuePermissions.read})`,
      write: sql<boolean>`bool_or(${roleQueuePermissions.write})`,
      append: sql<boolean>`bool_or(${roleQueuePermissions.append})`,
    })
    .from(roleQueuePermissions)
    .innerJoin(queues, eq(queues.id, roleQueuePermissions.queueId))
    .where(sql`${roleQueuePermissions.roleId} in (${rolesOf(viewer)})`)
    .groupBy(queues.id)
    .orderBy(asc(queues.name));
  const own = await holds(deps.db, hasOwnCompanyAccess(viewer));
  return { accessOwnCompanyCases: own, queues: granted.filter((q) => q.read || q.write || q.append) };
}

/** Evaluates a predicate that needs no table. */
async function holds(db: DbOrTx, predicate: SQL): Promise<boolean> {
  const [row] = await db.select({ ok: sql<boolean>`${predicate}` }).from(sql`(select 1) as one`);
  return row.ok === true;
}

/**
 * The decision on one contact and one case, from the same predicates as the lists, and the
 * reasons in sentences naming the profile, roles, queue and customer group involved.
 */
export async function explainCaseAccess(deps: Pick<Deps, "db">, organisationId: string, contactId: string, caseId: string) {
  const contact = await findContact(deps.db, organisationId, contactId);
  ensure(contact, () => notFound("Contact"));
  ensure(isId(caseId), () => notFound("Case"));
  const [kase] = await deps.db
    .select({ kase: cases, queueName: queues.name, groupName: customerGroups.name, companyName: companies.name })
    .from(cases)
    .innerJoin(queues, eq(queues.id, cases.queueId))
    .innerJoin(customerGroups, eq(customerGroups.id, cases.customerGroupId))
    .leftJoin(companies, eq(companies.id, cases.companyId))
    .where(and(eq(cases.id, caseId), eq(cases.organisationId, organisationId)));
  ensure(kase, () => notFound("Case"));

  const who = `${contact.firstName} ${contact.lastName}`;
  const denied = (reason: string) => ({ read: false, write: false, append: false, reasons: [reason] });
  const [account] = await deps.db
    .select({ account: portalAccounts, portalEnabled: customerGroups.portalEnabled, groupName: customerGroups.name, profileName: portalProfiles.name })
    .from(portalAccounts)
    .innerJoin(customerGroups, eq(customerGroups.id, contact.customerGroupId))
    .leftJoin(portalProfiles, eq(portalProfiles.id, portalAccounts.profileId))
    .where(eq(portalAccounts.contactId, contact.id));
  if (!account) return denied(`${who} has no portal account, so may do nothing in the portal.`);
  if (!account.account.enabled) return denied(`${who}'s portal access is disabled, so ${who} may do nothing in the portal.`);
  if (!account.portalEnabled) return denied(`${who}'s customer group '${account.groupName}' is not enabled for the portal.`);
  if (!account.account.profileId) return denied(`${who}'s portal account has no portal profile, so grants nothing.`);

  const viewer: Viewer = { kind: "Contact", organisationId, contactId: contact.id, companyId: contact.companyId, profileId: account.account.profileId };
  const [decision] = await deps.db
    .select({
      read: sql<boolean>`${mayRead(viewer)}`,
      write: sql<boolean>`${mayWrite(viewer, sql`${cases.queueId}`)}`,
      append: sql<boolean>`${mayAppend(viewer)}`,
    })
    .from(cases)
    .where(eq(cases.id, kase.kase.id));
  const grants = await deps.db
    .select({
      name: roles.name,
      ownCompany: roles.accessOwnCompanyCases,
      read: sql<boolean>`coalesce(${roleQueuePermissions.read}, false)`,
      write: sql<boolean>`coalesce(${roleQueuePermissions.write}, false)`,
      append: sql<boolean>`coalesce(${roleQueuePermissions.append}, false)`,
      coversGroup: sql<boolean>`exists (select 1 from ${roleCustomerGroups} where ${roleCustomerGroups.roleId} = ${roles.id} and ${roleCustomerGroups.customerGroupId} = ${kase.kase.customerGroupId})`,
    })
    .from(portalProfileRoles)
    .innerJoin(roles, eq(roles.id, portalProfileRoles.roleId))
    .leftJoin(roleQueuePermissions, and(eq(roleQueuePermissions.roleId, roles.id), eq(roleQueuePermissions.queueId, kase.kase.queueId)))
    .where(eq(portalProfileRoles.profileId, account.account.profileId))
    .orderBy(asc(roles.name));

  const names = {
    who,
    profile: account.profileName!,
    queue: kase.queueName,
    group: kase.groupName,
    company: kase.companyName,
    own: kase.kase.contactId === contact.id,
    sameCompany: contact.companyId !== null && kase.kase.companyId === contact.companyId,
  };
  return { ...decision, reasons: explainReasons(decision, grants, names) };
}

type Grant = { name: string; ownCompany: boolean; read: boolean; write: boolean; append: boolean; coversGroup: boolean };
type Names = { who: string; profile: string; queue: string; group: string; company: string | null; own: boolean; sameCompany: boolean };

const quoted = (list: Grant[]) => list.map((g) => `'${g.name}'`).join(", ");

function explainReasons(decision: { read: boolean; write: boolean; append: boolean }, grants: Grant[], n: Names): string[] {
  const readers = grants.filter((g) => g.read);
  const covering = readers.filter((g) => g.coversGroup);
  const granting = covering.find((g) => n.own || (g.ownCompany && n.sameCompany));
  let read: string;
  if (decision.read && granting) {
    const because = n.own
      ? `${n.who} reported the case`
      : `the case belongs to ${n.who}'s company '${n.company}' and the role gives access to the own company's cases`;
    read = `Read: allowed by role '${granting.name}' of profile '${n.profile}', which grants read on queue '${n.queue}' for customer group '${n.group}'; ${because}.`;
  } else if (!readers.length) {
    read = `Read: denied: no role of profile '${n.profile}' grants read on queue '${n.queue}'.`;
  } else if (!covering.length) {
    read = `Read: denied: role ${quoted(readers)} of profile '${n.profile}' grants read on queue '${n.queue}', but not for customer group '${n.group}'.`;
  } else if (n.sameCompany) {
    read = `Read: denied: the case belongs to ${n.who}'s company '${n.company}' but was reported by someone else, and no role of profile '${n.profile}' that grants read on queue '${n.queue}' for customer group '${n.group}' (${quoted(covering)}) gives access to the own company's cases.`;
  } else {
    read = `Read: denied: the case was reported by someone else${n.company ? ` at company '${n.company}'` : ""}, not by ${n.who} or ${n.who}'s company.`;
  }

  const writer = grants.find((g) => g.write);
  const write = decision.write
    ? `Write: allowed by role '${writer?.name}' of profile '${n.profile}', which grants write on queue '${n.queue}'.`
    : `Write: denied: no role of profile '${n.profile}' grants write on queue '${n.queue}'.`;

  const appender = grants.find((g) => g.append);
  let append: string;
  if (decision.append) append = `Append: allowed by role '${appender?.name}' of profile '${n.profile}', which grants append on queue '${n.queue}', and ${n.who} may read the case.`;
  else if (!decision.read) append = `Append: denied: ${n.who} may not read the case.`;
  else append = `Append: denied: no role of profile '${n.profile}' grants append on queue '${n.queue}'.`;
  return [read, write, append];
}

