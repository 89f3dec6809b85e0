import { Field, ID, InputType, Int, ObjectType } from "type-graphql";

@InputType({ description: "One contact with its portal account, as a row of an import file." })
export class ImportPortalAccountRow {
  @Field(() => String)
  firstName!: string;

  @Field(() => String)
  lastName!: string;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true, description: "The company of this name in the customer group; created when missing." })
  companyName?: string | null;

  @Field(() => String, { description: "An existing login of the customer group updates that account; a new one creates contact and account." })
  login!: string;

  @Field(() => String, { nullable: true, description: "Without one the account signs in only after a reset or a password set by staff." })
  password?: string | null;

  @Field(() => ID, { nullable: true })
  profileId?: string | null;
}

@InputType()
export class ImportPortalAccountsInput {
  @Field(() => ID)
  customerGroupId!: string;

  @Field(() => Boolean, { nullable: true, description: "Validate every row and write nothing." })
  dryRun?: boolean | null;

  @Field(() => [ImportPortalAccountRow])
  rows!: ImportPortalAccountRow[];
}

@ObjectType({ description: "What is wrong with one field of an import row; code is one of the contract's error codes." })
export class ImportRowError {
  @Field(() => String, { nullable: true })
  field!: string | null;

  @Field(() => String)
  code!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType()
export class ImportPortalAccountRowResult {
  @Field(() => Int, { description: "The row's 0-based position in the input." })
  index!: number;

  @Field(() => ID, { nullable: true, description: "The contact written (or, for an update, the one matched); null for rows in error and creations not written." })
  contactId!: string | null;

  @Field(() => [ImportRowError])
  errors!: ImportRowError[];
}

@ObjectType()
export class ImportPortalAccountsPayload {
  @Field(() => Boolean)
  dryRun!: boolean;

  @Field(() => Int, { description: "Contacts with accounts created (or that would be, in a dry run); 0 when any row is in error." })
  created!: number;

  @Field(() => Int, { description: "Accounts updated (or that would be, in a dry run); 0 when any row is in error." })
  updated!: number;

  @Field(() => [ImportPortalAccountRowResult], { description: "Every row, in input order." })
  rows!: ImportPortalAccountRowResult[];
}
