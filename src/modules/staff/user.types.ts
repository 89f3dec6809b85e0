import { LocalDateResolver } from "graphql-scalars";
import { Field, ID, InputType, ObjectType } from "type-graphql";
import { Role } from "../access/role.types.js";
import { Connection } from "../common/connection.js";
import { UserState } from "../common/enums.js";
import { SecurityProfile } from "./security-profile.types.js";
import { Unit, UnitMembership, UnitMembershipInput } from "./unit.types.js";

/** A staff user of the back office. */
@ObjectType()
export class User {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  username!: string;

  @Field(() => String)
  firstName!: string;

  @Field(() => String)
  lastName!: string;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => UserState)
  state!: UserState;

  @Field(() => Boolean)
  superUser!: boolean;

  @Field(() => Boolean)
  developer!: boolean;

  @Field(() => Boolean)
  ctiEnabled!: boolean;

  @Field(() => String, { nullable: true })
  phoneExtension!: string | null;

  @Field(() => String, { nullable: true })
  systemLanguage!: string | null;

  @Field(() => String, { nullable: true })
  nativeLanguage!: string | null;

  @Field(() => String, { nullable: true })
  homeScreen!: string | null;

  @Field(() => String, { nullable: true })
  title!: string | null;

  @Field(() => String, { nullable: true })
  gender!: string | null;

  @Field(() => LocalDateResolver, { nullable: true })
  dateOfBirth!: string | null;

  @Field(() => String, { nullable: true })
  nameDay!: string | null;

  @Field(() => String, { nullable: true })
  countryOfResidence!: string | null;

  @Field(() => Unit, { nullable: true, description: "The unit this session signed in to; units arrive with the staff feature." })
  signInUnit!: Unit | null;

  @Field(() => Date, { nullable: true })
  lastLoginAt!: Date | null;

  @Field(() => Date, { nullable: true })
  passwordExpiresAt!: Date | null;

  @Field(() => SecurityProfile, { nullable: true, description: "Null until security profiles arrive with the staff feature." })
  securityProfile!: SecurityProfile | null;

  @Field(() => [Role], { description: "The roles through which the user sees cases; by name." })
  roles!: Role[];

  @Field(() => [UnitMembership], { description: "Empty until units arrive with the staff feature." })
  units!: UnitMembership[];
}

export const { Connection: UserConnection } = Connection(User, "User");

@InputType({ description: "superUser, developer, ctiEnabled and phoneExtension may be set only by super users." })
export class CreateUserInput {
  @Field(() => ID, { nullable: true, description: "Not available yet: user templates arrive with the staff feature." })
  templateId?: string | null;

  @Field(() => String, { description: "3 to 64 characters without spaces; unique in the organisation, case-insensitively." })
  username!: string;

  @Field(() => String)
  firstName!: string;

  @Field(() => String)
  lastName!: string;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true, description: "Without one, the user cannot sign in with a password." })
  password?: string | null;

  @Field(() => ID, { nullable: true, description: "Not available yet: security profiles arrive with the staff feature." })
  securityProfileId?: string | null;

  @Field(() => [UnitMembershipInput], { nullable: true, description: "Must be empty for now: units arrive with the staff feature." })
  units?: UnitMembershipInput[] | null;

  @Field(() => UserState, { nullable: true, description: "ACTIVE when left out." })
  state?: UserState | null;

  @Field(() => String, { nullable: true })
  systemLanguage?: string | null;

  @Field(() => String, { nullable: true })
  nativeLanguage?: string | null;

  @Field(() => String, { nullable: true })
  homeScreen?: string | null;

  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => String, { nullable: true })
  gender?: string | null;

  @Field(() => LocalDateResolver, { nullable: true })
  dateOfBirth?: string | null;

  @Field(() => String, { nullable: true })
  nameDay?: string | null;

  @Field(() => String, { nullable: true })
  countryOfResidence?: string | null;

  @Field(() => Boolean, { nullable: true })
  superUser?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  developer?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  ctiEnabled?: boolean | null;

  @Field(() => String, { nullable: true })
  phoneExtension?: string | null;

  @Field(() => [ID], { nullable: true })
  roleIds?: string[] | null;
}

@InputType({ description: "Partial: a field left out keeps its value, null clears it; roleIds replaces the user's roles (null: none)." })
export class UpdateUserInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  lastName?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => ID, { nullable: true, description: "Not available yet: security profiles arrive with the staff feature." })
  securityProfileId?: string | null;

  @Field(() => [UnitMembershipInput], { nullable: true, description: "Must be empty for now: units arrive with the staff feature." })
  units?: UnitMembershipInput[] | null;

  @Field(() => String, { nullable: true })
  systemLanguage?: string | null;

  @Field(() => String, { nullable: true })
  nativeLanguage?: string | null;

  @Field(() => String, { nullable: true })
  homeScreen?: string | null;

  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => String, { nullable: true })
  gender?: string | null;

  @Field(() => LocalDateResolver, { nullable: true })
  dateOfBirth?: string | null;

  @Field(() => String, { nullable: true })
  nameDay?: string | null;

  @Field(() => String, { nullable: true })
  countryOfResidence?: string | null;

  @Field(() => [ID], { nullable: true })
  roleIds?: string[] | null;
}

@InputType()
export class UserFilter {
  @Field(() => String, { nullable: true, description: "Any part of username, first, last or full name, or email; case-insensitive." })
  search?: string | null;

  @Field(() => UserState, { nullable: true })
  state?: UserState | null;

  @Field(() => ID, { nullable: true, description: "Users of this unit; matches nobody until units arrive with the staff feature." })
  unitId?: string | null;
}
