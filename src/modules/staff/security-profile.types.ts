import { Field, ID, ObjectType } from "type-graphql";

/** Allows or denies each back-office module to the users that hold it. */
@ObjectType()
export class SecurityProfile {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}
