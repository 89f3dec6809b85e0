import { dictionary } from "@zxcvbn-ts/language-common";
import { desc, eq } from "drizzle-orm";
import type { DbOrTx } from "../db/client.js";
import { passwordHistory, portalAccounts, users } from "../db/schema/index.js";
import { AppError, badInput, ErrorCode } from "../errors.js";
import { generatePassword } from "./generate-password.js";
import type { PasswordHasher } from "./passwords.js";
import { type AuthenticationPolicy, policyFor } from "./policy.js";

/** Beyond this many characters a password is refused outright, so argon2 is never fed megabytes. */
const MAX_PASSWORD_LENGTH = 256;

/** ~49,000 well-known passwords shipped with @zxcvbn-ts/language-common, compared case-insensitively. */
let common: Set<string> | undefined;
const commonPasswords = () => (common ??= new Set((dictionary["passwords-common"] as string[]).map((p) => p.toLowerCase())));

export const isCommonPassword = (password: string) => commonPasswords().has(password.toLowerCase());

/** Every rule of the policy the password breaks, as sentences; history is checked separately (it needs hashes). */
export function passwordViolations(password: string, login: string | null, policy: AuthenticationPolicy["password"]): string[] {
  const violations: string[] = [];
  const length = [...password].length;
  if (length < policy.minLength) violations.push(`The password must have at least ${policy.minLength} characters.`);
  if (length > MAX_PASSWORD_LENGTH) violations.push(`The password may have at most ${MAX_PASSWORD_LENGTH} characters.`);
  if (policy.requireUppercase && !/\p{Lu}/u.test(password)) violations.push("The password must contain an uppercase letter.");
  if (policy.requireLowercase && !/\p{Ll}/u.test(password)) violations.push("The password must contain a lowercase letter.");
  if (policy.requireDigit && !/\p{Nd}/u.test(password)) violations.push("The password must contain a digit.");
  if (policy.requireSymbol && !/[^\p{L}\p{N}]/u.test(password)) violations.push("The password must contain a symbol.");
  if (policy.notUsername && login && password.toLowerCase().includes(login.toLowerCase())) {
    violations.push("The password may not contain the login.");
  }
  if (policy.rejectCommonPasswords && isCommonPassword(password)) violations.push("The password is too well known.");
  return violations;
}

/** Whose password is being set: its earlier passwords are the history the policy looks at. */
export type PasswordOwner = { userId: string } | { contactId: string };

/** The last `count` password hashes of an account, the current one included. */
export async function recentPasswordHashes(db: DbOrTx, owner: PasswordOwner, count: number): Promise<string[]> {
  if (count <= 0) return [];
  const where = "userId" in owner ? eq(passwordHistory.userId, owner.userId) : eq(passwordHistory.contactId, owner.contactId);
  const rows = await db
    .select({ hash: passwordHistory.passwordHash })
    .from(passwordHistory)
    .where(where)
    .orderBy(desc(passwordHistory.createdAt))
    .limit(count);
  const current =
    "userId" in owner
      ? (await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, owner.userId)))[0]?.hash
      : (await db.select({ hash: portalAccounts.passwordHash }).from(portalAccounts).where(eq(portalAccounts.contactId, owner.contactId)))[0]
          ?.hash;
  // Accounts whose password was set before history was kept still count their current one.
  const hashes = current ? [current, ...rows.map((r) => r.hash).filter((h) => h !== current)] : rows.map((r) => r.hash);
  return hashes.slice(0, count);
}

/** Records a password just set, in the transaction that sets it. */
export async function recordPasswordHistory(tx: DbOrTx, organisationId: string, owner: PasswordOwner, passwordHash: string) {
  await tx.insert(passwordHistory).values({ organisationId, ...owner, passwordHash });
}

/**
 * The one check every password setter calls: throws PASSWORD_POLICY listing every violation,
 * history included (each earlier hash is verified through the hasher queue).
 * Give `policy` when already loaded, or `organisationId` to load it.
 */
export async function assertPasswordAllowed(
  deps: { db: DbOrTx; hasher: PasswordHasher },
  input: { password: string; login: string | null; owner?: PasswordOwner | null } & (
    | { policy: AuthenticationPolicy }
    | { organisationId: string }
  ),
): Promise<void> {
  const policy = "policy" in input ? input.policy : await policyFor(deps.db, input.organisationId);
  const violations = passwordViolations(input.password, input.login, policy.password);
  if (input.owner && policy.password.historyCount > 0 && [...input.password].length <= MAX_PASSWORD_LENGTH) {
    const hashes = await recentPasswordHashes(deps.db, input.owner, policy.password.historyCount);
    const reused = await Promise.all(hashes.map((hash) => deps.hasher.verify(hash, input.password)));
    if (reused.some(Boolean)) {
      violations.push(`The password may not be one of the last ${policy.password.historyCount} passwords of this account.`);
    }
  }
  if (violations.length) {
    throw new AppError(ErrorCode.PASSWORD_POLICY, "The password does not meet the policy.", { violations });
  }
}

/** A generated password that meets the policy (every class, at least its minimum length). */
export function generatePasswordFor(policy: AuthenticationPolicy, login: string | null): string {
  for (;;) {
    const candidate = generatePassword(Math.max(20, policy.password.minLength));
    if (passwordViolations(candidate, login, policy.password).length === 0) return candidate;
  }
}

/** The username policy for portal logins and staff usernames: BAD_USER_INPUT on `field` when broken. */
export function assertUsernameAllowed(name: string, policy: AuthenticationPolicy, field: string) {
  const length = [...name].length;
  const rules = policy.username;
  if (length < rules.minLength) throw badInput(field, `${field} must have at least ${rules.minLength} characters.`);
  if (length > rules.maxLength) throw badInput(field, `${field} may have at most ${rules.maxLength} characters.`);
  if (rules.pattern !== null && !new RegExp(rules.pattern, "u").test(name)) {
    throw badInput(field, `${field} does not match the organisation's username pattern.`);
  }
}
