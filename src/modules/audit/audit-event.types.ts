import { Field, ID, InputType, ObjectType } from "type-graphql";
import { JSONResolver } from "graphql-scalars";
import { Principal } from "../auth/auth.types.js";
import { Connection } from "../common/connection.js";

@ObjectType({ description: "One change or sign-in, as written in the same transaction as the change." })
export class AuditEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  at!: Date;

  @Field(() => String, { description: "The mutation's field name, or login / loginFailed." })
  action!: string;

  @Field(() => String, { description: "The GraphQL type of the changed entity." })
  entityType!: string;

  @Field(() => ID, { nullable: true })
  entityId!: string | null;

  @Field(() => JSONResolver, { description: "field: {from, to}; a secret appears only as passwordChanged: true." })
  changes!: Record<string, unknown>;

  @Field(() => String, { nullable: true })
  clientAddress!: string | null;

  @Field(() => Principal, { nullable: true })
  actor!: typeof Principal | null;

  actorType!: "User" | "Contact" | null;
  actorId!: string | null;
}

export const { Connection: AuditEventConnection } = Connection(AuditEvent, "AuditEvent");

@InputType()
export class AuditEventFilter {
  @Field(() => String, { nullable: true })
  entityType?: string | null;

  @Field(() => ID, { nullable: true })
  entityId?: string | null;

  @Field(() => String, { nullable: true })
  action?: string | null;

  @Field(() => ID, { nullable: true })
  actorId?: string | null;
}
