import { Field, ID, InputType, ObjectType } from "type-graphql";
import { Connection } from "../common/connection.js";
import { CustomerGroup } from "./customer-group.types.js";

@ObjectType({ description: "A customer company; companies never get portal accounts, their contacts do." })
export class Company {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => CustomerGroup)
  customerGroup!: CustomerGroup;

  @Field(() => Date)
  createdAt!: Date;

  customerGroupId!: string;
}

export const { Connection: CompanyConnection } = Connection(Company, "Company");

@InputType()
export class CreateCompanyInput {
  @Field(() => String)
  name!: string;

  @Field(() => ID)
  customerGroupId!: string;
}

@InputType()
export class UpdateCompanyInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => ID, { nullable: true, description: "Moves the company, and its contacts, to another customer group." })
  customerGroupId?: string | null;
}

@InputType()
export class CompanyFilter {
  @Field(() => String, { nullable: true })
  search?: string | null;

  @Field(() => ID, { nullable: true })
  customerGroupId?: string | null;
}
