import { Field, ID, InputType, ObjectType } from "type-graphql";
import { Connection } from "../common/connection.js";
import { Company } from "./company.types.js";
import { CustomerGroup } from "./customer-group.types.js";
import { PortalAccount } from "./portal-account.types.js";

@ObjectType({ description: "A person at a customer; the one who may get a portal account.", simpleResolvers: true })
export class Contact {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  firstName!: string;

  @Field(() => String)
  lastName!: string;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => String, { nullable: true })
  phone!: string | null;

  @Field(() => Company, { nullable: true })
  company!: Company | null;

  @Field(() => CustomerGroup)
  customerGroup!: CustomerGroup;

  @Field(() => PortalAccount, { nullable: true })
  portalAccount!: PortalAccount | null;

  @Field(() => Date)
  createdAt!: Date;

  companyId!: string | null;
  customerGroupId!: string;
}

@ObjectType()
export class SetPortalAccessResult {
  @Field(() => Contact)
  contact!: Contact;

  @Field(() => String, { nullable: true, description: "The generated password, shown this once." })
  generatedPassword!: string | null;
}

export const { Connection: ContactConnection } = Connection(Contact, "Contact");

@InputType()
export class CreateContactInput {
  @Field(() => String)
  firstName!: string;

  @Field(() => String)
  lastName!: string;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  phone?: string | null;

  @Field(() => ID, { nullable: true })
  companyId?: string | null;

  @Field(() => ID, { nullable: true })
  customerGroupId?: string | null;
}

@InputType()
export class UpdateContactInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  lastName?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  phone?: string | null;
}

@InputType()
export class ContactFilter {
  @Field(() => String, { nullable: true, description: "Any part of first, last or full name, email or login; case-insensitive." })
  search?: string | null;

  @Field(() => ID, { nullable: true })
  companyId?: string | null;

  @Field(() => ID, { nullable: true })
  customerGroupId?: string | null;

  @Field(() => Boolean, { nullable: true })
  hasPortalAccount?: boolean | null;
}
