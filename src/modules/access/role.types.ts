import { Field, ID, InputType, ObjectType } from "type-graphql";
import { CustomerGroup } from "../customers/customer-group.types.js";
import { Queue } from "./queue.types.js";

@ObjectType()
export class QueuePermission {
  @Field(() => Queue)
  queue!: Queue;

  @Field(() => Boolean)
  read!: boolean;

  @Field(() => Boolean, { description: "Create cases in the queue." })
  write!: boolean;

  @Field(() => Boolean, { description: "Comment on readable cases of the queue." })
  append!: boolean;

  queueId!: string;
}

@ObjectType({ description: "Grants queue permissions for cases of some customer groups; held by portal profiles and staff users." })
export class Role {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Boolean, { description: "Portal: besides its own cases, the contact reads the cases of its company." })
  accessOwnCompanyCases!: boolean;

  @Field(() => [QueuePermission])
  queuePermissions!: QueuePermission[];

  @Field(() => [CustomerGroup])
  customerGroups!: CustomerGroup[];
}

@InputType()
export class QueuePermissionInput {
  @Field(() => ID)
  queueId!: string;

  @Field(() => Boolean)
  read!: boolean;

  @Field(() => Boolean)
  write!: boolean;

  @Field(() => Boolean)
  append!: boolean;
}

@InputType()
export class CreateRoleInput {
  @Field(() => String)
  name!: string;

  @Field(() => [QueuePermissionInput], { nullable: true })
  queuePermissions?: QueuePermissionInput[] | null;

  @Field(() => [ID], { nullable: true })
  customerGroupIds?: string[] | null;

  @Field(() => Boolean, { nullable: true })
  accessOwnCompanyCases?: boolean | null;
}

@InputType({ description: "Partial; queuePermissions and customerGroupIds, when given, replace the role's." })
export class UpdateRoleInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => [QueuePermissionInput], { nullable: true })
  queuePermissions?: QueuePermissionInput[] | null;

  @Field(() => [ID], { nullable: true })
  customerGroupIds?: string[] | null;

  @Field(() => Boolean, { nullable: true })
  accessOwnCompanyCases?: boolean | null;
}
