import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { Queue } from "../access/queue.types.js";
import { Principal } from "../auth/auth.types.js";
import { Connection } from "../common/connection.js";
import { Contact } from "../customers/contact.types.js";

export enum CaseScope {
  OWN = "OWN",
  COMPANY = "COMPANY",
}
export enum CaseStatus {
  OPEN = "OPEN",
  CLOSED = "CLOSED",
}
registerEnumType(CaseScope, { name: "CaseScope", description: "OWN: cases the contact reported; COMPANY: its company's cases." });
registerEnumType(CaseStatus, { name: "CaseStatus" });

@ObjectType()
export class CaseComment {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  body!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Principal, { nullable: true, description: "The staff user or contact who wrote it." })
  author!: typeof Principal | null;
}

@ObjectType({ description: "A case (ticket): what portal access protects.", simpleResolvers: true })
export class Case {
  @Field(() => ID)
  id!: string;

  @Field(() => Int)
  number!: number;

  @Field(() => String)
  subject!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => CaseStatus)
  status!: CaseStatus;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Queue)
  queue!: Queue;

  @Field(() => Contact, { description: "The reporter." })
  contact!: Contact;

  @Field(() => [CaseComment])
  comments!: CaseComment[];
}

export const { Connection: CaseConnection } = Connection(Case, "Case");

@ObjectType({ description: "The decision on one contact and one case, with the reasons in sentences." })
export class CaseAccessExplanation {
  @Field(() => Boolean)
  read!: boolean;

  @Field(() => Boolean)
  write!: boolean;

  @Field(() => Boolean)
  append!: boolean;

  @Field(() => [String])
  reasons!: string[];
}

@ObjectType()
export class QueueAccess {
  @Field(() => Queue)
  queue!: Queue;

  @Field(() => Boolean)
  read!: boolean;

  @Field(() => Boolean)
  write!: boolean;

  @Field(() => Boolean)
  append!: boolean;
}

@ObjectType({ description: "What the signed-in portal account may do, for a frontend to draw its menus." })
export class MyPermissions {
  @Field(() => Boolean)
  accessOwnCompanyCases!: boolean;

  @Field(() => [QueueAccess])
  queues!: QueueAccess[];
}

@InputType()
export class CreateCaseInput {
  @Field(() => ID)
  queueId!: string;

  @Field(() => String)
  subject!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => ID, { nullable: true, description: "Staff: the reporter. Portal: the caller, always." })
  contactId?: string | null;
}

@InputType()
export class AddCaseCommentInput {
  @Field(() => ID)
  caseId!: string;

  @Field(() => String)
  body!: string;
}

@InputType()
export class CaseFilter {
  @Field(() => ID, { nullable: true })
  queueId?: string | null;

  @Field(() => ID, { nullable: true })
  contactId?: string | null;

  @Field(() => ID, { nullable: true })
  companyId?: string | null;

  @Field(() => CaseStatus, { nullable: true })
  status?: CaseStatus | null;
}
