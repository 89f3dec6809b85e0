import { Field, ID, ObjectType } from "type-graphql";

/** The smallest part of the staff organisation; users belong to units and sign in to one. */
@ObjectType()
export class Unit {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}
