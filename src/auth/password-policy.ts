import { AppError, ErrorCode } from "../errors.js";

/** The password rules in force; per organisation group once policies are editable. */
export type PasswordRules = {
  minLength: number;
  maxLength: number;
  notUsername: boolean;
};

/** NIST SP 800-63B rev. 4 defaults: length, not the login; no composition rules. */
export const DEFAULT_PASSWORD_RULES: PasswordRules = { minLength: 15, maxLength: 256, notUsername: true };

export function passwordViolations(password: string, login: string | null, rules: PasswordRules = DEFAULT_PASSWORD_RULES) {
  const violations: string[] = [];
  const length = [...password].length;
  if (length < rules.minLength) violations.push(`The password must have at least ${rules.minLength} characters.`);
  if (length > rules.maxLength) violations.push(`The password may have at most ${rules.maxLength} characters.`);
  if (rules.notUsername && login && password.toLowerCase().includes(login.toLowerCase())) {
    violations.push("The password may not contain the login.");
  }
  return violations;
}

/** Throws PASSWORD_POLICY with every violation listed. */
export function assertPasswordAllowed(password: string, login: string | null, rules?: PasswordRules) {
  const violations = passwordViolations(password, login, rules);
  if (violations.length) {
    throw new AppError(ErrorCode.PASSWORD_POLICY, "The password does not meet the policy.", { violations });
  }
}
