import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { Role } from "./role.types.js";

/** A portal profile bundles roles; a contact's portal account has at most one. */
@ObjectType()
export class PortalProfile {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [Role])
  roles!: Role[];

  @Field(() => Int, { description: "How many portal accounts hold this profile." })
  contactCount!: number;
}

@InputType()
export class CreatePortalProfileInput {
  @Field(() => String)
  name!: string;

  @Field(() => [ID], { nullable: true })
  roleIds?: string[] | null;
}

@InputType({ description: "Partial; roleIds, when given, replace the profile's roles." })
export class UpdatePortalProfileInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => [ID], { nullable: true })
  roleIds?: string[] | null;
}
