import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { audit } from "../../audit/audit.js";
import { assertUsernameAllowed, passwordViolations } from "../../auth/password-policy.js";
import { policyFor } from "../../auth/policy.js";
import type { Caller, Deps } from "../../context.js";
import type { DbOrTx } from "../../db/client.js";
import { companies, contacts, passwordHistory, portalAccounts, portalProfiles, sessions } from "../../db/schema/index.js";
import { AppError, badInput, conflict, ensure, ErrorCode, isUniqueViolation } from "../../errors.js";
import { isId } from "../common/pagination.js";
import { check, email, emptyToNull, name } from "../common/validation.js";
import { findCustomerGroup } from "./customer-group.service.js";
import { loginSchema } from "./portal-account.service.js";
import type { ImportPortalAccountsInput, ImportPortalAccountsPayload, ImportRowError } from "./portal-import.types.js";

/** Rows per multi-row statement: well below PostgreSQL's 65,535 parameters at ten columns a row. */
const CHUNK = 1000;
/** Passwords longer than this are refused by the policy check, so their history is never verified. */
const MAX_PASSWORD_LENGTH = 256;

const inputSchema = z.object({
  customerGroupId: z.string(),
  dryRun: z.boolean().nullish(),
  rows: z.array(z.unknown()),
});

const rowSchema = z.object({
  firstName: name("firstName"),
  lastName: name("lastName"),
  email: emptyToNull(email),
  companyName: emptyToNull(name("companyName")),
  login: loginSchema,
  // An empty cell means no password, as an absent one does.
  password: z.preprocess((v) => (v === "" ? null : v), z.string().nullish()),
  profileId: z.string().nullish(),
});
type Row = z.infer<typeof rowSchema>;

type Existing = { contactId: string; login: string; passwordHash: string | null; customerGroupId: string };

type Plan = {
  index: number;
  errors: ImportRowError[];
  row: Row | null;
  /** The account this row updates; none when it creates one. */
  existing: Existing | null;
};

const rowError = (field: string | null, code: ErrorCode, message: string): ImportRowError => ({ field, code, message });

/** A set of strings as one jsonb parameter, so that thousands of keys stay one bound value. */
const jsonList = (values: readonly string[]): SQL => sql`(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;

const chunks = <T>(items: readonly T[], size = CHUNK): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/**
 * Imports contacts with portal accounts into one customer group: every row is validated
 * before anything is written, and then all rows are written in one transaction or none.
 */
export async function importPortalAccounts(
  deps: Pick<Deps, "db" | "hasher" | "clock" | "config">,
  caller: Caller,
  raw: ImportPortalAccountsInput,
): Promise<ImportPortalAccountsPayload> {
  const input = check(inputSchema, raw);
  const dryRun = input.dryRun === true;
  ensure(input.rows.length > 0, () => badInput("rows", "rows: give at least one row."));
  const maxRows = deps.config.limits.importRows;
  ensure(input.rows.length <= maxRows, () => new AppError(ErrorCode.LIMIT_EXCEEDED, `An import may have at most ${maxRows} rows.`));
  const group = await findCustomerGroup(deps.db, caller.organisationId, input.customerGroupId);
  ensure(group, () => badInput("customerGroupId", "No such customer group."));
  ensure(group.portalEnabled, () => badInput("customerGroupId", "The customer group is not enabled for the portal."));
  const policy = await policyFor(deps.db, caller.organisationId);

  // 1. Each row on its own: shape, names, email, login and password rules.
  const plans: Plan[] = input.rows.map((value, index) => {
    const parsed = rowSchema.safeParse(value);
    if (!parsed.success) {
      const errors = new Map<string, ImportRowError>();
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? "");
        if (!errors.has(field)) errors.set(field, rowError(field || null, ErrorCode.BAD_USER_INPUT, field ? `${field}: ${issue.message}` : issue.message));
      }
      return { index, errors: [...errors.values()], row: null, existing: null };
    }
    const row = parsed.data;
    const errors: ImportRowError[] = [];
    try {
      assertUsernameAllowed(row.login, policy, "login");
    } catch (error) {
      errors.push(rowError("login", ErrorCode.BAD_USER_INPUT, (error as Error).message));
    }
    if (group.profileAssignment === "AUTOMATIC" && row.profileId != null) {
      errors.push(rowError("profileId", ErrorCode.BAD_USER_INPUT, `Customer group '${group.name}' assigns its default portal profile automatically.`));
    }
    return { index, errors, row, existing: null };
  });
  const valid = plans.filter((p): p is Plan & { row: Row } => p.row !== null);

  // 2. Logins: repeated in the file, or taken by an account of another customer group.
  const firstByLogin = new Map<string, number>();
  for (const plan of valid) {
    const key = plan.row.login.toLowerCase();
    const first = firstByLogin.get(key);
    if (first === undefined) firstByLogin.set(key, plan.index);
    else plan.errors.push(rowError("login", ErrorCode.CONFLICT, `The login appears earlier in the file (row ${first}).`));
  }
  const existing = await existingAccounts(deps.db, caller.organisationId, [...firstByLogin.keys()]);
  for (const plan of valid) {
    const account = existing.get(plan.row.login.toLowerCase());
    if (!account) continue;
    if (account.customerGroupId === group.id) plan.existing = account;
    else plan.errors.push(rowError("login", ErrorCode.CONFLICT, "The login belongs to a portal account of another customer group."));
  }

  // 3. Profiles of MANUAL groups, looked up together.
  if (group.profileAssignment === "MANUAL") {
    const wanted = [...new Set(valid.map((p) => p.row.profileId).filter((id): id is string => id != null && isId(id)))];
    const known = new Set<string>();
    for (const ids of chunks(wanted)) {
      const rows = await deps.db
        .select({ id: portalProfiles.id })
        .from(portalProfiles)
        .where(and(eq(portalProfiles.organisationId, caller.organisationId), inArray(portalProfiles.id, ids)));
      for (const r of rows) known.add(r.id);
    }
    for (const plan of valid) {
      if (plan.row.profileId != null && !known.has(plan.row.profileId)) plan.errors.push(rowError("profileId", ErrorCode.BAD_USER_INPUT, "No such portal profile."));
    }
  }

  // 4. Passwords: every rule of the policy, and for updated accounts their history.
  const violations = new Map<Plan, string[]>();
  for (const plan of valid) {
    if (plan.row.password == null) continue;
    violations.set(plan, passwordViolations(plan.row.password, plan.row.login, policy.password));
  }
  const historyCount = policy.password.historyCount;
  const checkHistory = valid.filter((p) => p.existing && p.row.password != null && [...p.row.password].length <= MAX_PASSWORD_LENGTH);
  if (historyCount > 0 && checkHistory.length) {
    const recent = await recentHashes(deps.db, checkHistory.map((p) => p.existing!), historyCount);
    const pairs = checkHistory.flatMap((plan) => (recent.get(plan.existing!.contactId) ?? []).map((hash) => ({ plan, hash, password: plan.row.password! })));
    const reused = await deps.hasher.verifyMany(pairs);
    const reusing = new Set(pairs.filter((_, i) => reused[i]).map((p) => p.plan));
    for (const plan of reusing) violations.get(plan)!.push(`The password may not be one of the last ${historyCount} passwords of this account.`);
  }
  for (const [plan, list] of violations) {
    if (list.length) plan.errors.push(rowError("password", ErrorCode.PASSWORD_POLICY, `The password does not meet the policy: ${list.join(" ")}`));
  }

  const failed = plans.some((p) => p.errors.length > 0);
  const creating = failed ? [] : valid.filter((p) => !p.existing);
  const updating = failed ? [] : valid.filter((p) => p.existing);
  const answer = (createdIds: Map<Plan, string>): ImportPortalAccountsPayload => ({
    dryRun,
    created: creating.length,
    updated: updating.length,
    rows: plans.map((p) => ({
      index: p.index,
      contactId: p.errors.length ? null : (p.existing?.contactId ?? createdIds.get(p) ?? null),
      errors: p.errors,
    })),
  });
  if (failed || dryRun) return answer(new Map());

  // 5. Hashed before the transaction opens, behind any waiting sign-in.
  const withPassword = valid.filter((p) => p.row.password != null);
  const hashes = new Map<Plan, string>();
  (await deps.hasher.hashMany(withPassword.map((p) => p.row.password!))).forEach((hash, i) => hashes.set(withPassword[i], hash));

  const createdIds = new Map<Plan, string>(creating.map((p) => [p, randomUUID()]));
  const now = deps.clock();
  try {
    await deps.db.transaction(async (tx) => {
      const companyIds = await resolveCompanies(tx, caller.organisationId, group.id, valid.map((p) => p.row.companyName));
      const companyOf = (row: Row) => (row.companyName ? companyIds.ids.get(row.companyName.toLowerCase())! : null);

      for (const part of chunks(creating)) {
        await tx.insert(contacts).values(
          part.map((p) => ({
            id: createdIds.get(p)!,
            organisationId: caller.organisationId,
            customerGroupId: group.id,
            companyId: companyOf(p.row),
            firstName: p.row.firstName,
            lastName: p.row.lastName,
            email: p.row.email ?? null,
            createdAt: now,
            updatedAt: now,
          })),
        );
        await tx.insert(portalAccounts).values(
          part.map((p) => ({
            contactId: createdIds.get(p)!,
            organisationId: caller.organisationId,
            login: p.row.login,
            passwordHash: hashes.get(p) ?? null,
            passwordChangedAt: hashes.has(p) ? now : null,
            authMode: group.authMode,
            enabled: true,
            profileId: group.profileAssignment === "AUTOMATIC" ? group.defaultProfileId : (p.row.profileId ?? null),
            createdAt: now,
            updatedAt: now,
          })),
        );
      }

      const at = sql`${now.toISOString()}::timestamptz`;
      for (const part of chunks(updating)) {
        // Absent email and company keep the contact's own; names are always the file's.
        const people = part.map((p) => ({ id: p.existing!.contactId, first_name: p.row.firstName, last_name: p.row.lastName, email: p.row.email ?? null, company_id: companyOf(p.row) }));
        await tx.execute(sql`
          update contacts c set first_name = v.first_name, last_name = v.last_name,
            email = coalesce(v.email, c.email), company_id = coalesce(v.company_id, c.company_id), updated_at = ${at}
          from jsonb_to_recordset(${JSON.stringify(people)}::jsonb) as v(id uuid, first_name text, last_name text, email text, company_id uuid)
          where c.id = v.id and c.organisation_id = ${caller.organisationId}`);
        const accounts = part
          .filter((p) => hashes.has(p) || p.row.profileId != null)
          .map((p) => ({ contact_id: p.existing!.contactId, password_hash: hashes.get(p) ?? null, profile_id: p.row.profileId ?? null }));
        if (!accounts.length) continue;
        await tx.execute(sql`
          update portal_accounts a set password_hash = coalesce(v.password_hash, a.password_hash),
            password_changed_at = case when v.password_hash is null then a.password_changed_at else ${at} end,
            profile_id = coalesce(v.profile_id, a.profile_id), updated_at = ${at}
          from jsonb_to_recordset(${JSON.stringify(accounts)}::jsonb) as v(contact_id uuid, password_hash text, profile_id uuid)
          where a.contact_id = v.contact_id and a.organisation_id = ${caller.organisationId}`);
      }

      const history = withPassword.map((p) => ({ organisationId: caller.organisationId, contactId: p.existing?.contactId ?? createdIds.get(p)!, passwordHash: hashes.get(p)!, createdAt: now }));
      for (const part of chunks(history)) await tx.insert(passwordHistory).values(part);
      // A new password ends the sessions opened with the old one.
      const renewed = withPassword.filter((p) => p.existing).map((p) => p.existing!.contactId);
      for (const part of chunks(renewed)) await tx.delete(sessions).where(inArray(sessions.contactId, part));

      await audit(tx, caller, {
        action: "importPortalAccounts",
        entityType: "CustomerGroup",
        entityId: group.id,
        changes: { rows: plans.length, created: creating.length, updated: updating.length, companiesCreated: companyIds.created, passwordsSet: withPassword.length },
      });
    });
  } catch (error) {
    if (isUniqueViolation(error, "portal_accounts_login_key")) {
      throw conflict("rows", "A login of the file was taken while the import ran; nothing was written, run it again.");
    }
    throw error;
  }
  return answer(createdIds);
}

/** Portal accounts of the organisation by lower-cased login, with their contact's customer group: one query per chunk. */
async function existingAccounts(db: DbOrTx, organisationId: string, keys: string[]): Promise<Map<string, Existing>> {
  const found = new Map<string, Existing>();
  for (const part of chunks(keys, 10_000)) {
    const rows = await db
      .select({
        contactId: portalAccounts.contactId,
        login: portalAccounts.login,
        passwordHash: portalAccounts.passwordHash,
        customerGroupId: contacts.customerGroupId,
      })
      .from(portalAccounts)
      .innerJoin(contacts, eq(contacts.id, portalAccounts.contactId))
      .where(and(eq(portalAccounts.organisationId, organisationId), sql`lower(${portalAccounts.login}) in ${jsonList(part)}`));
    for (const row of rows) found.set(row.login.toLowerCase(), row);
  }
  return found;
}

/** The last `count` password hashes of each account, the current one first (as recentPasswordHashes, for many accounts at once). */
async function recentHashes(db: DbOrTx, accounts: Existing[], count: number): Promise<Map<string, string[]>> {
  const recent = new Map<string, string[]>(accounts.map((a) => [a.contactId, a.passwordHash ? [a.passwordHash] : []]));
  for (const part of chunks(accounts)) {
    const rows = await db
      .select({ contactId: passwordHistory.contactId, hash: passwordHistory.passwordHash })
      .from(passwordHistory)
      .where(inArray(passwordHistory.contactId, part.map((a) => a.contactId)))
      .orderBy(asc(passwordHistory.contactId), sql`${passwordHistory.createdAt} desc`);
    for (const row of rows) {
      const list = recent.get(row.contactId!)!;
      if (list.length < count && !list.includes(row.hash)) list.push(row.hash);
    }
  }
  return recent;
}

/** The group's companies by lower-cased name, creating each missing one once; the oldest wins among namesakes. */
async function resolveCompanies(tx: DbOrTx, organisationId: string, customerGroupId: string, names: Array<string | null | undefined>) {
  const spelling = new Map<string, string>();
  for (const n of names) if (n && !spelling.has(n.toLowerCase())) spelling.set(n.toLowerCase(), n);
  const ids = new Map<string, string>();
  if (!spelling.size) return { ids, created: 0 };
  for (const part of chunks([...spelling.keys()], 10_000)) {
    const rows = await tx
      .select({ id: companies.id, name: companies.name })
      .from(companies)
      .where(and(eq(companies.organisationId, organisationId), eq(companies.customerGroupId, customerGroupId), sql`lower(${companies.name}) in ${jsonList(part)}`))
      .orderBy(asc(companies.createdAt), asc(companies.id));
    for (const row of rows) if (!ids.has(row.name.toLowerCase())) ids.set(row.name.toLowerCase(), row.id);
  }
  const missing = [...spelling].filter(([key]) => !ids.has(key)).map(([key, name]) => ({ key, id: randomUUID(), name }));
  for (const part of chunks(missing)) {
    await tx.insert(companies).values(part.map((c) => ({ id: c.id, organisationId, customerGroupId, name: c.name })));
  }
  for (const c of missing) ids.set(c.key, c.id);
  return { ids, created: missing.length };
}
