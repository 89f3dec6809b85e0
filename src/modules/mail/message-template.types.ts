import { JSONResolver } from "graphql-scalars";
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { Connection } from "../common/connection.js";

export enum EmailStatus {
  PENDING = "PENDING",
  SENT = "SENT",
  FAILED = "FAILED",
}
registerEnumType(EmailStatus, { name: "EmailStatus", description: "Where an outbound email stands in delivery." });

@ObjectType({ description: "The wording of one email, per key and locale: the organisation's override or the built-in default." })
export class MessageTemplate {
  @Field(() => String)
  key!: string;

  @Field(() => String)
  locale!: string;

  @Field(() => String, { description: "A Liquid template." })
  subject!: string;

  @Field(() => String, { description: "A Liquid template; values are HTML-escaped in the HTML part." })
  body!: string;

  @Field(() => [String], { description: "The variables this key offers, as dotted paths." })
  variables!: string[];

  @Field(() => Boolean, { description: "True when the organisation overrides the built-in default." })
  custom!: boolean;
}

@ObjectType()
export class MessagePreview {
  @Field(() => String)
  subject!: string;

  @Field(() => String)
  textBody!: string;
}

@ObjectType({ description: "An email the system decided to send; bodies are never served (they may hold reset links)." })
export class OutboundEmail {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  to!: string;

  @Field(() => String)
  templateKey!: string;

  @Field(() => String)
  subject!: string;

  @Field(() => EmailStatus)
  status!: EmailStatus;

  @Field(() => Int)
  attempts!: number;

  @Field(() => String, { nullable: true })
  lastError!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

export const { Connection: OutboundEmailConnection } = Connection(OutboundEmail, "OutboundEmail");

@InputType()
export class UpsertMessageTemplateInput {
  @Field(() => String)
  key!: string;

  @Field(() => String)
  locale!: string;

  @Field(() => String)
  subject!: string;

  @Field(() => String)
  body!: string;
}

@InputType()
export class PreviewMessageTemplateInput {
  @Field(() => String)
  key!: string;

  @Field(() => String)
  locale!: string;

  @Field(() => String, { nullable: true, description: "Unsaved wording to preview; the template in force when omitted." })
  subject?: string | null;

  @Field(() => String, { nullable: true })
  body?: string | null;

  @Field(() => JSONResolver, { nullable: true, description: "Variable values; missing ones get example values." })
  sample?: Record<string, unknown> | null;
}

@InputType()
export class OutboundEmailFilter {
  @Field(() => String, { nullable: true, description: "The recipient, matched exactly and case-insensitively." })
  to?: string | null;

  @Field(() => String, { nullable: true })
  templateKey?: string | null;

  @Field(() => EmailStatus, { nullable: true })
  status?: EmailStatus | null;
}
