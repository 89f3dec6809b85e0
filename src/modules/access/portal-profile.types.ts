import { Field, ID, ObjectType } from "type-graphql";

/** A portal profile bundles roles; a contact's portal account has at most one. */
@ObjectType()
export class PortalProfile {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}
