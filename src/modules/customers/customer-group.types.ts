import { Field, ID, InputType, ObjectType } from "type-graphql";
import { AuthMode, ProfileAssignment } from "../common/enums.js";
import { PortalProfile } from "../access/portal-profile.types.js";

@ObjectType({ description: "Companies and contacts are grouped into customer groups; portal access is granted per group." })
export class CustomerGroup {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Boolean)
  portalEnabled!: boolean;

  @Field(() => AuthMode)
  authMode!: AuthMode;

  @Field(() => ProfileAssignment)
  profileAssignment!: ProfileAssignment;

  @Field(() => Boolean)
  selfRegistration!: boolean;

  @Field(() => PortalProfile, { nullable: true })
  defaultProfile!: PortalProfile | null;

  defaultProfileId!: string | null;
  directoryId!: string | null;
}

@InputType()
export class CreateCustomerGroupInput {
  @Field(() => String)
  name!: string;

  @Field(() => Boolean, { nullable: true })
  portalEnabled?: boolean | null;

  @Field(() => AuthMode, { nullable: true })
  authMode?: AuthMode | null;

  @Field(() => ID, { nullable: true })
  directoryId?: string | null;

  @Field(() => ProfileAssignment, { nullable: true })
  profileAssignment?: ProfileAssignment | null;

  @Field(() => ID, { nullable: true })
  defaultProfileId?: string | null;

  @Field(() => Boolean, { nullable: true })
  selfRegistration?: boolean | null;
}

@InputType()
export class UpdateCustomerGroupInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => Boolean, { nullable: true })
  portalEnabled?: boolean | null;

  @Field(() => AuthMode, { nullable: true })
  authMode?: AuthMode | null;

  @Field(() => ID, { nullable: true })
  directoryId?: string | null;

  @Field(() => ProfileAssignment, { nullable: true })
  profileAssignment?: ProfileAssignment | null;

  @Field(() => ID, { nullable: true })
  defaultProfileId?: string | null;

  @Field(() => Boolean, { nullable: true })
  selfRegistration?: boolean | null;
}
