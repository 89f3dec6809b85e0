import { Arg, Ctx, Int, Mutation, Query, Resolver } from "type-graphql";
import { type Context, callerOf } from "../../context.js";
import * as service from "./message-template.service.js";
import {
  MessagePreview,
  MessageTemplate,
  OutboundEmailConnection,
  OutboundEmailFilter,
  PreviewMessageTemplateInput,
  UpsertMessageTemplateInput,
} from "./message-template.types.js";

/**
 * Message templates and the outbox. Super users only for now (permissions/tree.ts): the
 * SECURITY module (templates) and the AUDIT module (outbox) arrive later and will widen this.
 */
@Resolver()
export class MessageTemplateResolver {
  @Query(() => [MessageTemplate], { description: "Every template key in every locale, with the organisation's overrides." })
  messageTemplates(@Ctx() ctx: Context) {
    return service.listMessageTemplates(ctx.deps, ctx.principal!.organisationId);
  }

  @Mutation(() => MessageTemplate, { description: "Overrides a template's wording for the organisation and one locale." })
  upsertMessageTemplate(@Arg("input", () => UpsertMessageTemplateInput) input: UpsertMessageTemplateInput, @Ctx() ctx: Context) {
    return service.upsertMessageTemplate(ctx.deps, callerOf(ctx), input);
  }

  @Mutation(() => MessagePreview, { description: "Renders a template with sample values; changes nothing." })
  previewMessageTemplate(@Arg("input", () => PreviewMessageTemplateInput) input: PreviewMessageTemplateInput, @Ctx() ctx: Context) {
    return service.previewMessageTemplate(ctx.deps, ctx.principal!.organisationId, input);
  }

  @Query(() => OutboundEmailConnection, { description: "Every email the system decided to send, newest first, without bodies." })
  outboundEmails(
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Arg("filter", () => OutboundEmailFilter, { nullable: true }) filter: OutboundEmailFilter | null,
    @Ctx() ctx: Context,
  ) {
    return service.listOutboundEmails(ctx.deps, ctx.principal!.organisationId, { first, after, filter });
  }
}
