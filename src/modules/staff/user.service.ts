import { and, asc, count, eq, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { audit, diff } from "../../audit/audit.js";
import { assertPasswordAllowed, assertUsernameAllowed, recordPasswordHistory } from "../../auth/password-policy.js";
import { policyFor } from "../../auth/policy.js";
import type { Caller, Deps } from "../../context.js";
import type { DbOrTx, Tx } from "../../db/client.js";
import { roles, userRoles, users } from "../../db/schema/index.js";
import { AppError, badInput, conflict, ensure, ErrorCode, isUniqueViolation, notFound } from "../../errors.js";
import { ensureReferences } from "../common/references.js";
import { decodeCursor, isId, pageSize, toPage } from "../common/pagination.js";
import { check, email, emptyToNull, name, optionalName, phone } from "../common/validation.js";
import { likePattern } from "../customers/search.js";
import type { CreateUserInput, UpdateUserInput, UserFilter } from "./user.types.js";

export type UserRow = typeof users.$inferSelect;

/** Who is acting, and whether it is a super user: some fields are theirs alone to set. */
export type StaffCaller = Caller & { superUser: boolean };

/** Free text that the staff feature will give meaning to (languages, home screen, ...): trimmed; "" clears. */
const text = (max = 100) => emptyToNull(z.string().trim().max(max, `may be at most ${max} characters`));

const username = z
  .string()
  .refine((v) => !/[\s\p{Cc}\p{Cf}]/u.test(v), "may not contain spaces or control characters")
  .refine((v) => [...v].length >= 3 && [...v].length <= 64, "must have 3 to 64 characters");

const units = z.array(z.object({ unitId: z.string(), isDefault: z.boolean().nullish() })).max(500).nullish();
const roleIds = z.array(z.string()).max(500).nullish();

const profile = {
  email: emptyToNull(email),
  systemLanguage: text(),
  nativeLanguage: text(),
  homeScreen: text(200),
  title: text(),
  gender: text(),
  dateOfBirth: z.iso.date("is not a date (YYYY-MM-DD)").nullish(),
  nameDay: text(),
  countryOfResidence: text(),
  securityProfileId: z.string().nullish(),
  units,
  roleIds,
};

const createSchema = z.object({
  templateId: z.string().nullish(),
  username,
  firstName: name("firstName"),
  lastName: name("lastName"),
  password: z.string().nullish(),
  state: z.enum(["ACTIVE", "INACTIVE"]).nullish(),
  superUser: z.boolean().nullish(),
  developer: z.boolean().nullish(),
  ctiEnabled: z.boolean().nullish(),
  phoneExtension: emptyToNull(phone),
  ...profile,
});

const updateSchema = z.object({
  id: z.string(),
  firstName: optionalName("firstName"),
  lastName: optionalName("lastName"),
  ...profile,
});

const LATER = "comes with the staff feature and is not available yet";

export async function findUser(db: DbOrTx, organisationId: string, id: string) {
  if (!isId(id)) return undefined;
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.organisationId, organisationId), eq(users.id, id)));
  return row;
}

/** Refuses what only later features can honour: security profiles and units (templates on create only). */
function ensureAvailable(input: { securityProfileId?: string | null; units?: unknown[] | null }) {
  ensure(input.securityProfileId == null, () => badInput("securityProfileId", `securityProfileId: security profiles ${LATER}.`));
  ensure(!input.units?.length, () => badInput("units", `units: units ${LATER}.`));
}

/** A birth date lies in the past; the day is compared in UTC, as LocalDate has no zone. */
function ensureBorn(dateOfBirth: string | null | undefined, now: Date) {
  ensure(dateOfBirth == null || dateOfBirth <= now.toISOString().slice(0, 10), () =>
    badInput("dateOfBirth", "dateOfBirth may not be in the future."),
  );
}

/** Super-user flags and the CTI settings may be set only by super users; their defaults may be given by anyone. */
function ensurePrivileged(caller: StaffCaller, raw: CreateUserInput) {
  if (caller.superUser) return;
  const given = (["superUser", "developer", "ctiEnabled"] as const).find((f) => raw[f] === true);
  const field = given ?? (typeof raw.phoneExtension === "string" && raw.phoneExtension.trim() !== "" ? "phoneExtension" : undefined);
  ensure(field === undefined, () => new AppError(ErrorCode.FORBIDDEN, `Only super users may set ${field}.`, { field }));
}

async function checkRoles(tx: Tx, organisationId: string, ids: string[] | null | undefined) {
  if (!ids?.length) return;
  await ensureReferences(tx, roles, organisationId, ids, (i) => `roleIds.${i}`, "role");
}

async function roleIdsOf(tx: Tx, userId: string) {
  const rows = await tx.select({ id: userRoles.roleId }).from(userRoles).where(eq(userRoles.userId, userId));
  return rows.map((r) => r.id).sort();
}

/** Replaces the user's roles with exactly these. */
async function writeRoles(tx: Tx, userId: string, ids: string[]) {
  await tx.delete(userRoles).where(eq(userRoles.userId, userId));
  if (ids.length) await tx.insert(userRoles).values(ids.map((roleId) => ({ userId, roleId })));
}

const distinctSorted = (ids: string[]) => [...new Set(ids)].sort();

const usernameTaken = () => conflict("username", "A staff user with this username exists already.");

/** The password is hashed before the transaction opens, so no transaction waits on argon2. */
export async function createUser(deps: Pick<Deps, "db" | "hasher" | "clock">, caller: StaffCaller, raw: CreateUserInput) {
  ensurePrivileged(caller, raw);
  const input = check(createSchema, raw);
  ensure(input.templateId == null, () => badInput("templateId", `templateId: user templates ${LATER}.`));
  ensureAvailable(input);
  const now = deps.clock();
  ensureBorn(input.dateOfBirth, now);
  const policy = await policyFor(deps.db, caller.organisationId);
  assertUsernameAllowed(input.username, policy, "username");
  if (input.password != null) await assertPasswordAllowed(deps, { policy, password: input.password, login: input.username });
  const passwordHash = input.password == null ? null : await deps.hasher.hash(input.password);

  const values = {
    username: input.username,
    firstName: input.firstName,
    lastName: input.lastName,
    email: input.email ?? null,
    state: input.state ?? "ACTIVE",
    superUser: input.superUser ?? false,
    developer: input.developer ?? false,
    ctiEnabled: input.ctiEnabled ?? false,
    phoneExtension: input.phoneExtension ?? null,
    systemLanguage: input.systemLanguage ?? null,
    nativeLanguage: input.nativeLanguage ?? null,
    homeScreen: input.homeScreen ?? null,
    title: input.title ?? null,
    gender: input.gender ?? null,
    dateOfBirth: input.dateOfBirth ?? null,
    nameDay: input.nameDay ?? null,
    countryOfResidence: input.countryOfResidence ?? null,
  };
  const roles = distinctSorted(input.roleIds ?? []);
  try {
    return await deps.db.transaction(async (tx) => {
      await checkRoles(tx, caller.organisationId, input.roleIds);
      const [row] = await tx
        .insert(users)
        .values({ organisationId: caller.organisationId, ...values, passwordHash, passwordChangedAt: passwordHash ? now : null })
        .returning();
      await writeRoles(tx, row.id, roles);
      if (passwordHash) await recordPasswordHistory(tx, caller.organisationId, { userId: row.id }, passwordHash);
      await audit(tx, caller, {
        action: "createUser",
        entityType: "User",
        entityId: row.id,
        changes: diff(null, { ...values, roleIds: roles.length ? roles : undefined, password: passwordHash ? true : undefined }),
      });
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error, "users_login_key")) throw usernameTaken();
    throw error;
  }
}

/** Partial: a field left out keeps its value, null clears it; roleIds replaces the user's roles. */
export async function updateUser(deps: Pick<Deps, "db" | "clock">, caller: StaffCaller, raw: UpdateUserInput) {
  const input = check(updateSchema, raw);
  ensure(input.firstName !== null, () => badInput("firstName", "firstName may not be empty"));
  ensure(input.lastName !== null, () => badInput("lastName", "lastName may not be empty"));
  ensureAvailable(input);
  const now = deps.clock();
  ensureBorn(input.dateOfBirth, now);
  return deps.db.transaction(async (tx) => {
    const before = await findUser(tx, caller.organisationId, input.id);
    ensure(before, () => notFound("User"));
    await checkRoles(tx, caller.organisationId, input.roleIds);
    const changes = {
      firstName: input.firstName ?? undefined,
      lastName: input.lastName ?? undefined,
      email: input.email,
      systemLanguage: input.systemLanguage,
      nativeLanguage: input.nativeLanguage,
      homeScreen: input.homeScreen,
      title: input.title,
      gender: input.gender,
      dateOfBirth: input.dateOfBirth,
      nameDay: input.nameDay,
      countryOfResidence: input.countryOfResidence,
    };
    const [row] = await tx
      .update(users)
      .set({ ...changes, updatedAt: now })
      .where(eq(users.id, before.id))
      .returning();
    // An explicit null clears the roles, as it clears any optional field.
    const roles = input.roleIds === undefined ? undefined : distinctSorted(input.roleIds ?? []);
    const rolesBefore = roles === undefined ? undefined : await roleIdsOf(tx, before.id);
    if (roles !== undefined) await writeRoles(tx, before.id, roles);
    await audit(tx, caller, {
      action: "updateUser",
      entityType: "User",
      entityId: row.id,
      changes: diff({ ...before, roleIds: rolesBefore }, { ...changes, roleIds: roles }),
    });
    return row;
  });
}

/** Users by last name, first name and id: one keyset page per query. */
export async function listUsers(
  deps: Pick<Deps, "db">,
  organisationId: string,
  args: { first?: number | null; after?: string | null; filter?: UserFilter | null },
) {
  const first = pageSize(args.first);
  const after = decodeCursor<[string, string, string]>(args.after, 3);
  const where = and(...userFilters(organisationId, args.filter));
  const keyset = after
    ? sql`(${users.lastName}, ${users.firstName}, ${users.id}) > (${after[0]}, ${after[1]}, ${after[2]}::uuid)`
    : undefined;
  const rows = await deps.db
    .select()
    .from(users)
    .where(and(where, keyset))
    .orderBy(asc(users.lastName), asc(users.firstName), asc(users.id))
    .limit(first + 1);
  return toPage(
    rows,
    first,
    (u) => [u.lastName, u.firstName, u.id],
    async () => {
      const [{ n }] = await deps.db.select({ n: count() }).from(users).where(where);
      return n;
    },
  );
}

function userFilters(organisationId: string, filter: UserFilter | null | undefined): SQL[] {
  const filters: SQL[] = [eq(users.organisationId, organisationId)];
  if (filter?.state) filters.push(eq(users.state, filter.state));
  // Nobody belongs to a unit until units arrive, so any unitId matches nobody.
  if (filter?.unitId != null) filters.push(sql`false`);
  const search = filter?.search?.trim();
  if (search) {
    const p = likePattern(search);
    filters.push(sql`(${users.username} ilike ${p} or ${users.firstName} ilike ${p} or ${users.lastName} ilike ${p}
      or (${users.firstName} || ' ' || ${users.lastName}) ilike ${p} or ${users.email} ilike ${p})`);
  }
  return filters;
}
