import { createUnionType, Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { Audience, RequiredAction } from "../common/enums.js";
import { Contact } from "../customers/contact.types.js";
import { User } from "../staff/user.types.js";

/** Who is signed in: a staff user or a portal contact. Rows carry __typename to tell them apart. */
export const Principal = createUnionType({
  name: "Principal",
  types: () => [User, Contact] as const,
  resolveType: (value) => (value as { __typename?: string }).__typename,
});

@InputType()
export class LoginInput {
  @Field(() => Audience)
  audience!: Audience;

  @Field(() => String, { nullable: true, description: "The organisation's slug; the default organisation when omitted." })
  organisation?: string | null;

  @Field(() => String)
  login!: string;

  @Field(() => String)
  password!: string;

  @Field(() => ID, { nullable: true })
  signInUnitId?: string | null;
}

@ObjectType()
export class LoginResult {
  @Field(() => String, { description: "Send as `Authorization: Bearer <token>`. Shown once." })
  token!: string;

  @Field(() => Date)
  expiresAt!: Date;

  @Field(() => [RequiredAction])
  requiredActions!: RequiredAction[];

  @Field(() => Int, { nullable: true })
  passwordExpiresInDays!: number | null;

  @Field(() => [String])
  warnings!: string[];

  @Field(() => Principal)
  principal!: typeof Principal;
}
