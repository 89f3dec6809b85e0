import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { PortalProfile } from "../access/portal-profile.types.js";
import { AuthMode } from "../common/enums.js";

@ObjectType({ description: "A contact's way into the portal: its login and credential state." })
export class PortalAccount {
  @Field(() => String)
  login!: string;

  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => Boolean, { description: "The effective state: locked by staff, or by failed sign-ins until lockedUntil." })
  locked!: boolean;

  @Field(() => Date, { nullable: true })
  lockedUntil!: Date | null;

  @Field(() => AuthMode)
  authMode!: AuthMode;

  @Field(() => String, { nullable: true })
  externalId!: string | null;

  @Field(() => Boolean)
  passwordNeverExpires!: boolean;

  @Field(() => Boolean)
  cannotChangePassword!: boolean;

  @Field(() => Boolean)
  mustChangePassword!: boolean;

  @Field(() => Date, { nullable: true })
  passwordResetDate!: Date | null;

  @Field(() => Date, { nullable: true })
  passwordExpiresAt!: Date | null;

  @Field(() => Date, { nullable: true })
  lastLoginAt!: Date | null;

  @Field(() => Int, { nullable: true, description: "Staff only." })
  failedLoginCount!: number | null;

  @Field(() => PortalProfile, { nullable: true })
  profile!: PortalProfile | null;

  contactId!: string;
  profileId!: string | null;
}

@InputType()
export class SetPortalAccessInput {
  @Field(() => ID)
  contactId!: string;

  @Field(() => String, { nullable: true })
  login?: string | null;

  @Field(() => String, { nullable: true })
  password?: string | null;

  @Field(() => Boolean, { nullable: true })
  generatePassword?: boolean | null;

  @Field(() => ID, { nullable: true })
  profileId?: string | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  locked?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  passwordNeverExpires?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  cannotChangePassword?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  mustChangePassword?: boolean | null;

  @Field(() => Date, { nullable: true })
  passwordResetDate?: Date | null;

  @Field(() => String, { nullable: true })
  externalId?: string | null;

  @Field(() => Boolean, { nullable: true })
  emailCredentials?: boolean | null;
}
