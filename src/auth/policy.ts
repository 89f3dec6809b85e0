import { eq } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../db/client.js";
import { authenticationPolicies, organisations } from "../db/schema/index.js";

/**
 * The authentication policy of an organisation group. Defaults follow NIST SP 800-63B rev. 4:
 * length and a blocklist, no composition rules, no forced rotation.
 */
export const policySchema = z.object({
  password: z
    .object({
      minLength: z.number().int().min(8).max(256).default(15),
      requireUppercase: z.boolean().default(false),
      requireLowercase: z.boolean().default(false),
      requireDigit: z.boolean().default(false),
      requireSymbol: z.boolean().default(false),
      notUsername: z.boolean().default(true),
      historyCount: z.number().int().min(0).max(24).default(5),
      maxAgeDays: z.number().int().min(1).max(3650).nullable().default(null),
      expiryWarningDays: z.number().int().min(0).max(365).default(7),
      rejectCommonPasswords: z.boolean().default(true),
    })
    .prefault({}),
  username: z
    .object({
      minLength: z.number().int().min(1).max(256).default(3),
      maxLength: z.number().int().min(1).max(256).default(64),
      pattern: z.string().max(500).nullable().default(null),
    })
    .prefault({}),
  lockout: z
    .object({
      maxFailures: z.number().int().min(1).max(1000).default(5),
      windowMinutes: z.number().int().min(1).max(10_080).default(15),
      lockoutMinutes: z.number().int().min(0).max(525_600).default(15),
    })
    .prefault({}),
  session: z
    .object({
      idleTimeoutMinutes: z.number().int().min(1).max(525_600).default(30),
      absoluteTimeoutMinutes: z.number().int().min(1).max(525_600).default(720),
    })
    .prefault({}),
  resetTokenTtlMinutes: z.number().int().min(1).max(10_080).default(60),
});

export type AuthenticationPolicy = z.infer<typeof policySchema>;

export const DEFAULT_POLICY: AuthenticationPolicy = policySchema.parse({});

/** The policy of an organisation group: its stored settings over the defaults. */
export async function policyOfGroup(db: DbOrTx, organisationGroupId: string): Promise<AuthenticationPolicy> {
  const [row] = await db.select().from(authenticationPolicies).where(eq(authenticationPolicies.organisationGroupId, organisationGroupId));
  return row ? policySchema.parse(row.settings) : DEFAULT_POLICY;
}

/** The policy that governs an organisation (the one of its group). */
export async function policyFor(db: DbOrTx, organisationId: string): Promise<AuthenticationPolicy> {
  const [org] = await db
    .select({ groupId: organisations.organisationGroupId })
    .from(organisations)
    .where(eq(organisations.id, organisationId));
  return org ? policyOfGroup(db, org.groupId) : DEFAULT_POLICY;
}

const DAY = 86_400_000;

/** When a password expires under the policy; null when it never does (no maxAgeDays, or the account is exempt). */
export function passwordExpiresAt(
  account: { passwordChangedAt: Date | null; passwordNeverExpires?: boolean },
  policy: AuthenticationPolicy,
): Date | null {
  if (account.passwordNeverExpires || policy.password.maxAgeDays === null || !account.passwordChangedAt) return null;
  return new Date(account.passwordChangedAt.getTime() + policy.password.maxAgeDays * DAY);
}

/** Whole days until expiry when it falls inside the warning window; null otherwise (or once expired). */
export function passwordExpiresInDays(expiresAt: Date | null, policy: AuthenticationPolicy, now: Date): number | null {
  if (!expiresAt || expiresAt <= now) return null;
  const days = Math.ceil((expiresAt.getTime() - now.getTime()) / DAY);
  return days <= policy.password.expiryWarningDays ? days : null;
}

/** A partial policy as the update mutation takes it: every field optional, null only where the field is nullable. */
export type PolicyPatch = {
  password?: object | null;
  username?: object | null;
  lockout?: object | null;
  session?: object | null;
  resetTokenTtlMinutes?: number | null;
};

/**
 * Merges a partial update into a policy and validates the result; throws with the dotted path
 * of the first impossible value (`password.minLength`).
 */
export function mergePolicy(current: AuthenticationPolicy, patch: PolicyPatch): AuthenticationPolicy {
  const merged: Record<string, unknown> = { ...current };
  for (const section of ["password", "username", "lockout", "session"] as const) {
    const given = patch[section];
    if (given == null) continue;
    const next: Record<string, unknown> = { ...current[section] };
    for (const [key, value] of Object.entries(given)) {
      if (value === undefined) continue;
      // Only maxAgeDays and pattern may be cleared; an explicit null elsewhere is an impossible value.
      if (value === null && !(section === "password" && key === "maxAgeDays") && !(section === "username" && key === "pattern")) {
        throw new PolicyInputError(`${section}.${key}`, `${section}.${key} may not be null.`);
      }
      next[key] = value;
    }
    merged[section] = next;
  }
  if (patch.resetTokenTtlMinutes !== undefined) {
    if (patch.resetTokenTtlMinutes === null) throw new PolicyInputError("resetTokenTtlMinutes", "resetTokenTtlMinutes may not be null.");
    merged.resetTokenTtlMinutes = patch.resetTokenTtlMinutes;
  }
  const parsed = policySchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.join(".");
    throw new PolicyInputError(path, `${path}: ${issue.message}`);
  }
  const policy = parsed.data;
  if (policy.username.pattern !== null) {
    try {
      new RegExp(policy.username.pattern, "u");
    } catch {
      throw new PolicyInputError("username.pattern", "username.pattern is not a valid regular expression.");
    }
  }
  if (policy.username.maxLength < policy.username.minLength) {
    throw new PolicyInputError("username.maxLength", "username.maxLength may not be below username.minLength.");
  }
  return policy;
}

/** An impossible policy value, with the dotted path of the field at fault. */
export class PolicyInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
