import { FieldResolver, Resolver } from "type-graphql";
import { Unit } from "./unit.types.js";
import { User } from "./user.types.js";

@Resolver(() => User)
export class UserResolver {
  @FieldResolver(() => Unit, { nullable: true })
  signInUnit(): Unit | null {
    return null;
  }

  @FieldResolver(() => Date, { nullable: true })
  passwordExpiresAt(): Date | null {
    return null;
  }
}
