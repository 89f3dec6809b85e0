import { Field, ID, InputType, ObjectType } from "type-graphql";

/** The smallest part of the staff organisation; users belong to units and sign in to one. */
@ObjectType()
export class Unit {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}

@ObjectType({ description: "A user's place in a unit; one of a user's units is its default." })
export class UnitMembership {
  @Field(() => Unit)
  unit!: Unit;

  @Field(() => Boolean)
  isDefault!: boolean;
}

@InputType()
export class UnitMembershipInput {
  @Field(() => ID)
  unitId!: string;

  @Field(() => Boolean, { nullable: true })
  isDefault?: boolean | null;
}
