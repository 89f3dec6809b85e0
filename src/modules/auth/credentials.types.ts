import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { RequiredAction } from "../common/enums.js";

@InputType()
export class ChangePasswordInput {
  @Field(() => String)
  currentPassword!: string;

  @Field(() => String)
  newPassword!: string;
}

@InputType()
export class ChangeUserPasswordInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => String, { nullable: true, description: "Required unless a super user sets another user's password." })
  currentPassword?: string | null;

  @Field(() => String)
  newPassword!: string;
}

@ObjectType()
export class OrganisationGroup {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}

@ObjectType()
export class PasswordPolicy {
  @Field(() => Int) minLength!: number;
  @Field(() => Boolean) requireUppercase!: boolean;
  @Field(() => Boolean) requireLowercase!: boolean;
  @Field(() => Boolean) requireDigit!: boolean;
  @Field(() => Boolean) requireSymbol!: boolean;
  @Field(() => Boolean) notUsername!: boolean;
  @Field(() => Int) historyCount!: number;
  @Field(() => Int, { nullable: true, description: "Days a password lives; null: it never expires." })
  maxAgeDays!: number | null;
  @Field(() => Int) expiryWarningDays!: number;
  @Field(() => Boolean) rejectCommonPasswords!: boolean;
}

@ObjectType()
export class UsernamePolicy {
  @Field(() => Int) minLength!: number;
  @Field(() => Int) maxLength!: number;
  @Field(() => String, { nullable: true, description: "A regular expression (Unicode) every login must match." })
  pattern!: string | null;
}

@ObjectType()
export class LockoutPolicy {
  @Field(() => Int) maxFailures!: number;
  @Field(() => Int) windowMinutes!: number;
  @Field(() => Int, { description: "0: locked until staff unlock." })
  lockoutMinutes!: number;
}

@ObjectType()
export class SessionPolicy {
  @Field(() => Int) idleTimeoutMinutes!: number;
  @Field(() => Int) absoluteTimeoutMinutes!: number;
}

@ObjectType({ description: "The authentication policy of an organisation group." })
export class AuthenticationPolicy {
  @Field(() => OrganisationGroup) organisationGroup!: OrganisationGroup;
  @Field(() => PasswordPolicy) password!: PasswordPolicy;
  @Field(() => UsernamePolicy) username!: UsernamePolicy;
  @Field(() => LockoutPolicy) lockout!: LockoutPolicy;
  @Field(() => SessionPolicy) session!: SessionPolicy;
  @Field(() => Int) resetTokenTtlMinutes!: number;
}

@InputType()
export class PasswordPolicyInput {
  @Field(() => Int, { nullable: true }) minLength?: number | null;
  @Field(() => Boolean, { nullable: true }) requireUppercase?: boolean | null;
  @Field(() => Boolean, { nullable: true }) requireLowercase?: boolean | null;
  @Field(() => Boolean, { nullable: true }) requireDigit?: boolean | null;
  @Field(() => Boolean, { nullable: true }) requireSymbol?: boolean | null;
  @Field(() => Boolean, { nullable: true }) notUsername?: boolean | null;
  @Field(() => Int, { nullable: true }) historyCount?: number | null;
  @Field(() => Int, { nullable: true, description: "null: passwords never expire." }) maxAgeDays?: number | null;
  @Field(() => Int, { nullable: true }) expiryWarningDays?: number | null;
  @Field(() => Boolean, { nullable: true }) rejectCommonPasswords?: boolean | null;
}

@InputType()
export class UsernamePolicyInput {
  @Field(() => Int, { nullable: true }) minLength?: number | null;
  @Field(() => Int, { nullable: true }) maxLength?: number | null;
  @Field(() => String, { nullable: true, description: "null clears the pattern." }) pattern?: string | null;
}

@InputType()
export class LockoutPolicyInput {
  @Field(() => Int, { nullable: true }) maxFailures?: number | null;
  @Field(() => Int, { nullable: true }) windowMinutes?: number | null;
  @Field(() => Int, { nullable: true }) lockoutMinutes?: number | null;
}

@InputType()
export class SessionPolicyInput {
  @Field(() => Int, { nullable: true }) idleTimeoutMinutes?: number | null;
  @Field(() => Int, { nullable: true }) absoluteTimeoutMinutes?: number | null;
}

@InputType()
export class UpdateAuthenticationPolicyInput {
  @Field(() => PasswordPolicyInput, { nullable: true }) password?: PasswordPolicyInput | null;
  @Field(() => UsernamePolicyInput, { nullable: true }) username?: UsernamePolicyInput | null;
  @Field(() => LockoutPolicyInput, { nullable: true }) lockout?: LockoutPolicyInput | null;
  @Field(() => SessionPolicyInput, { nullable: true }) session?: SessionPolicyInput | null;
  @Field(() => Int, { nullable: true }) resetTokenTtlMinutes?: number | null;
}

@ObjectType()
export class SignInStep {
  @Field(() => String, {
    description: "account, enabled, verification, customerGroup, profile, lock, failures, passwordExpiry, mustChange or directoryMode.",
  })
  step!: string;

  @Field(() => Boolean)
  passed!: boolean;

  @Field(() => String, { description: "What was found, in a sentence; never a secret." })
  detail!: string;
}

@ObjectType({ description: "Why a login can or cannot sign in now, assuming the password given would be right." })
export class SignInExplanation {
  @Field(() => Boolean, { description: "Whether login would succeed (possibly with required actions)." })
  allowed!: boolean;

  @Field(() => String, { nullable: true, description: "The error code login would answer, or null when it would succeed." })
  outcome!: string | null;

  @Field(() => [RequiredAction], { description: "What the session would have to do first when sign-in succeeds." })
  requiredActions!: RequiredAction[];

  @Field(() => [SignInStep], { description: "Every check of the chain, in order." })
  steps!: SignInStep[];
}
