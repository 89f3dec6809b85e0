import { Field, ID, ObjectType } from "type-graphql";
import { UserState } from "../common/enums.js";
import { Unit } from "./unit.types.js";

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

  @Field(() => Unit, { nullable: true, description: "The unit this session signed in to; units arrive with the staff feature." })
  signInUnit!: Unit | null;

  @Field(() => Date, { nullable: true })
  lastLoginAt!: Date | null;

  @Field(() => Date, { nullable: true })
  passwordExpiresAt!: Date | null;
}
