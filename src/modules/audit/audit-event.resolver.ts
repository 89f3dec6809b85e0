import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../../context.js";
import type { auditEvents } from "../../db/schema/index.js";
import { Principal } from "../auth/auth.types.js";
import { listAuditEvents } from "./audit-event.service.js";
import { AuditEvent, AuditEventConnection, AuditEventFilter } from "./audit-event.types.js";

@Resolver(() => AuditEvent)
export class AuditEventResolver {
  @Query(() => AuditEventConnection, { description: "The audit log, newest first." })
  auditEvents(
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Arg("filter", () => AuditEventFilter, { nullable: true }) filter: AuditEventFilter | null,
    @Ctx() ctx: Context,
  ) {
    return listAuditEvents(ctx.deps, ctx.principal!.organisationId, { first, after, filter });
  }

  @FieldResolver(() => Principal, { nullable: true })
  async actor(@Root() event: typeof auditEvents.$inferSelect, @Ctx() ctx: Context) {
    if (!event.actorType || !event.actorId) return null;
    const loader = event.actorType === "User" ? ctx.loaders.user : ctx.loaders.contact;
    const row = await loader.load(event.actorId);
    return row && { ...row, __typename: event.actorType };
  }
}
