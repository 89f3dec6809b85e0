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
