import { type AuthenticationPolicy, passwordExpiresAt, passwordExpiresInDays } from "./policy.js";
import { failuresInWindow, type ThrottleRow, throttleLock } from "./throttle.js";

/** Everything sign-in looks at about an account, staff user or portal account alike. */
export type SignInSubject =
  | {
      kind: "User";
      id: string;
      login: string;
      passwordHash: string | null;
      active: boolean;
      mustChangePassword: boolean;
      passwordChangedAt: Date | null;
    }
  | {
      kind: "Contact";
      id: string;
      login: string;
      passwordHash: string | null;
      authMode: "DATABASE" | "LDAP";
      enabled: boolean;
      portalEnabled: boolean;
      profileId: string | null;
      locked: boolean;
      lockedUntil: Date | null;
      mustChangePassword: boolean;
      passwordResetDate: Date | null;
      passwordNeverExpires: boolean;
      passwordChangedAt: Date | null;
      /** Self-registered and not yet verified by its email link. */
      pendingVerification?: boolean;
    };

export type SignInRefusal = {
  code: "ACCOUNT_LOCKED" | "INVALID_CREDENTIALS" | "ACCOUNT_DISABLED";
  message: string;
  lockedUntil?: Date | null;
};

export type SignInGrant = { requiredActions: string[]; passwordExpiresInDays: number | null; warnings: string[] };

/** Whether the account holds a password that this server can check (directory accounts do not, yet). */
export const hasLocalPassword = (subject: SignInSubject) =>
  subject.passwordHash !== null && (subject.kind === "User" || subject.authMode === "DATABASE");

/**
 * The one decision of sign-in, shared by `login` and `explainSignIn`, in the order login applies
 * it: the name's lock first (for every attempt), then the password, then the account's state.
 */
export function decideSignIn(
  state: { throttle: ThrottleRow | undefined | null; subject: SignInSubject | undefined; passwordOk: boolean },
  policy: AuthenticationPolicy,
  now: Date,
): { refusal: SignInRefusal } | { grant: SignInGrant } {
  const lock = throttleLock(state.throttle, now);
  if (lock.locked) return { refusal: { code: "ACCOUNT_LOCKED", message: "This account is locked.", lockedUntil: lock.until } };
  const subject = state.subject;
  if (!subject || !state.passwordOk) return { refusal: { code: "INVALID_CREDENTIALS", message: "The login or the password is wrong." } };
  if (subject.kind === "User") {
    if (!subject.active) return { refusal: { code: "ACCOUNT_DISABLED", message: "This staff user is inactive." } };
  } else {
    if (!subject.enabled) return { refusal: { code: "ACCOUNT_DISABLED", message: "Portal access is disabled for this account." } };
    if (!subject.portalEnabled) {
      return { refusal: { code: "ACCOUNT_DISABLED", message: "This account's customer group is not enabled for the portal." } };
    }
    if (!subject.profileId) {
      return { refusal: { code: "ACCOUNT_DISABLED", message: "This portal account has no portal profile, so it may not sign in." } };
    }
    if (subject.pendingVerification) return { refusal: { code: "ACCOUNT_DISABLED", message: "This account has not been verified by its email link yet." } };
    if (subject.locked) return { refusal: { code: "ACCOUNT_LOCKED", message: "This account is locked.", lockedUntil: null } };
    if (subject.lockedUntil && subject.lockedUntil > now) {
      return { refusal: { code: "ACCOUNT_LOCKED", message: "This account is locked.", lockedUntil: subject.lockedUntil } };
    }
  }
  return { grant: grantFor(subject, policy, now) };
}

/** Required actions and expiry warnings of a sign-in that succeeds. */
export function grantFor(subject: SignInSubject, policy: AuthenticationPolicy, now: Date): SignInGrant {
  const expiresAt = passwordExpiresAt(subject, policy);
  const expired = expiresAt !== null && expiresAt <= now;
  const resetReached = subject.kind === "Contact" && subject.passwordResetDate !== null && subject.passwordResetDate <= now;
  const requiredActions = subject.mustChangePassword || resetReached || expired ? ["CHANGE_PASSWORD"] : [];
  const days = passwordExpiresInDays(expiresAt, policy, now);
  const warnings = expired
    ? ["Your password has expired; change it now."]
    : days !== null
      ? [`Your password expires in ${days} day${days === 1 ? "" : "s"}.`]
      : [];
  return { requiredActions, passwordExpiresInDays: days, warnings };
}

export { failuresInWindow };
