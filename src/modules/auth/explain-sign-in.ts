import { passwordExpiresAt } from "../../auth/policy.js";
import { decideSignIn, grantFor, hasLocalPassword } from "../../auth/sign-in-decision.js";
import { failuresInWindow, throttleLock } from "../../auth/throttle.js";
import type { Deps, Principal } from "../../context.js";
import { ensure, forbidden } from "../../errors.js";
import { signInState } from "./auth.service.js";

export type SignInStepRow = { step: string; passed: boolean; detail: string };
export type SignInExplanationRow = { allowed: boolean; outcome: string | null; requiredActions: string[]; steps: SignInStepRow[] };

const when = (d: Date) => d.toISOString();

/**
 * Why a login can or cannot sign in now, step by step, assuming the password given would be
 * right. The verdict comes from the same decision `login` makes; no secret is ever shown.
 */
export async function explainSignIn(
  deps: Pick<Deps, "db" | "clock">,
  principal: Principal,
  args: { audience: "PORTAL" | "STAFF"; login: string; organisation?: string | null },
): Promise<SignInExplanationRow> {
  const organisation = args.organisation == null ? { id: principal.organisationId } : { slug: args.organisation };
  const { org, policy, throttle, subject } = await signInState(deps, args.audience, organisation, args.login);
  // Staff explain sign-ins of their own organisation only; another slug, known or not, is refused alike.
  ensure(org && org.id === principal.organisationId, () => forbidden("You may explain sign-ins of your own organisation only."));
  const now = deps.clock();
  const decision = decideSignIn({ throttle, subject, passwordOk: subject ? hasLocalPassword(subject) : false }, policy, now);

  const steps: SignInStepRow[] = [];
  const add = (step: string, passed: boolean, detail: string) => steps.push({ step, passed, detail });
  const what = args.audience === "STAFF" ? "staff user" : "portal account";
  add("account", !!subject, subject ? `A ${what} with this login exists.` : `No ${what} has this login in this organisation.`);
  if (subject?.kind === "User") {
    add("enabled", subject.active, subject.active ? "The staff user is active." : "The staff user is inactive.");
    add("verification", true, "Staff users are not self-registered.");
    add("customerGroup", true, "Staff users belong to no customer group.");
    add("profile", true, "Staff users need no portal profile.");
  } else if (subject) {
    add("enabled", subject.enabled, subject.enabled ? "Portal access is enabled." : "Portal access is disabled for this account.");
    add(
      "verification",
      !subject.pendingVerification,
      subject.pendingVerification
        ? "The account registered itself and has not confirmed its email address yet."
        : "The account's email address is verified.",
    );
    add(
      "customerGroup",
      subject.portalEnabled,
      subject.portalEnabled ? "The contact's customer group is enabled for the portal." : "The contact's customer group is not enabled for the portal.",
    );
    add("profile", !!subject.profileId, subject.profileId ? "The account has a portal profile." : "The account has no portal profile.");
  }
  const nameLock = throttleLock(throttle, now);
  const staffLock =
    subject?.kind === "Contact" && subject.locked
      ? "Staff locked the account; it stays locked until staff unlock it."
      : subject?.kind === "Contact" && subject.lockedUntil && subject.lockedUntil > now
        ? `The account is locked until ${when(subject.lockedUntil)}.`
        : null;
  const lockDetail = nameLock.locked
    ? nameLock.until
      ? `Too many failed sign-ins locked this login until ${when(nameLock.until)}.`
      : "Too many failed sign-ins locked this login until staff unlock it."
    : (staffLock ?? "The login is not locked.");
  add("lock", !nameLock.locked && !staffLock, lockDetail);
  const failures = failuresInWindow(throttle, policy, now);
  add(
    "failures",
    failures < policy.lockout.maxFailures,
    `${failures} of ${policy.lockout.maxFailures} allowed failed sign-ins in the current ${policy.lockout.windowMinutes}-minute window.`,
  );
  if (subject) {
    const expiresAt = passwordExpiresAt(subject, policy);
    const expired = expiresAt !== null && expiresAt <= now;
    add(
      "passwordExpiry",
      !expired,
      subject.kind === "Contact" && subject.passwordNeverExpires
        ? "The password never expires (account setting)."
        : expiresAt === null
          ? "The password does not expire under the policy."
          : expired
            ? `The password expired at ${when(expiresAt)}; sign-in will require a change.`
            : `The password expires at ${when(expiresAt)}.`,
    );
    const resetReached = subject.kind === "Contact" && subject.passwordResetDate !== null && subject.passwordResetDate <= now;
    const mustChange = subject.mustChangePassword || resetReached;
    add(
      "mustChange",
      !mustChange,
      subject.mustChangePassword
        ? "The account must change its password at the next sign-in."
        : resetReached
          ? "The account's password reset date has been reached; sign-in will require a change."
          : "No password change is demanded.",
    );
    const directory = subject.kind === "Contact" && subject.authMode !== "DATABASE";
    add(
      "directoryMode",
      hasLocalPassword(subject),
      directory
        ? "The account authenticates against a directory, and directory sign-in is not available yet, so sign-in is refused."
        : subject.passwordHash === null
          ? "The account has no password set, so it cannot sign in with one."
          : "The account's password is kept by Gatehouse.",
    );
  }
  if ("refusal" in decision) return { allowed: false, outcome: decision.refusal.code, requiredActions: [], steps };
  return { allowed: true, outcome: null, requiredActions: subject ? grantFor(subject, policy, now).requiredActions : [], steps };
}
