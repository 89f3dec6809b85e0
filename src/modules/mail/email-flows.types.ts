import { Field, ID, InputType } from "type-graphql";

@InputType()
export class RequestPasswordResetInput {
  @Field(() => String, { nullable: true, description: "The organisation's slug; the default organisation when omitted." })
  organisation?: string | null;

  @Field(() => String)
  login!: string;
}

@InputType()
export class ResetPasswordInput {
  @Field(() => String, { description: "The token from the reset email's link." })
  token!: string;

  @Field(() => String)
  newPassword!: string;
}

@InputType()
export class RegisterPortalAccountInput {
  @Field(() => String, { nullable: true, description: "The organisation's slug; the default organisation when omitted." })
  organisation?: string | null;

  @Field(() => ID)
  customerGroupId!: string;

  @Field(() => String)
  firstName!: string;

  @Field(() => String)
  lastName!: string;

  @Field(() => String)
  email!: string;

  @Field(() => String)
  login!: string;

  @Field(() => String)
  password!: string;

  @Field(() => String, { nullable: true, description: "Creates a new company of this name for the contact." })
  companyName?: string | null;
}
