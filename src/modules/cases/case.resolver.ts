import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { callerOf, type Context } from "../../context.js";
import type { caseComments } from "../../db/schema/index.js";
import { Principal } from "../auth/auth.types.js";
import { selectedAt, selects } from "../common/selection.js";
import * as service from "./case.service.js";
import {
  AddCaseCommentInput,
  Case,
  CaseAccessExplanation,
  CaseComment,
  CaseConnection,
  CaseFilter,
  CaseScope,
  CreateCaseInput,
  MyPermissions,
} from "./case.types.js";

type CaseParent = Pick<service.CaseRow, "id">;
type CommentRow = typeof caseComments.$inferSelect;

const viewer = (ctx: Context) => service.viewerOf(ctx.principal!);

/**
 * A case read alone: its queue and reporter come through the request's loaders, and only when
 * asked for. List rows carry both from their one statement, so Case.queue and Case.contact are
 * plain fields, without a resolver call per case.
 */
const withRefs = (row: service.CaseRow, ctx: Context) => ({
  ...row,
  get queue() {
    return ctx.loaders.queue.load(row.queueId);
  },
  get contact() {
    return ctx.loaders.contact.load(row.contactId);
  },
});

/** What a case list's one statement reads besides the page: its count, and the reporters' details, when asked for. */
const listArgs = (info: GraphQLResolveInfo) => ({
  withCount: selects(info, "totalCount"),
  contactDetails: [...selectedAt(info, ["edges", "node", "contact"])].some((field) => !service.LISTED_CONTACT_FIELDS.has(field)),
});

@Resolver(() => Case)
export class CaseResolver {
  @Query(() => CaseConnection, { description: "Portal: the cases the signed-in contact may read, newest first." })
  myCases(
    @Arg("scope", () => CaseScope, { nullable: true }) scope: CaseScope | null,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ) {
    const v = viewer(ctx);
    if (v.kind !== "Contact") throw new Error("myCases is for portal contacts; the shield should have refused");
    return service.myCases(ctx.deps, v, scope, { first, after, ...listArgs(info) });
  }

  @Query(() => CaseConnection, { description: "Staff: cases the user's roles let it read, newest first." })
  cases(
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Arg("filter", () => CaseFilter, { nullable: true }) filter: CaseFilter | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ) {
    return service.listCases(ctx.deps, viewer(ctx), { first, after, filter, ...listArgs(info) });
  }

  @Query(() => Case, { nullable: true, description: "NOT_FOUND when the case does not exist or may not be read." })
  async case(@Arg("id", () => ID) id: string, @Ctx() ctx: Context) {
    return withRefs(await service.findReadableCase(ctx.deps, viewer(ctx), id), ctx);
  }

  @Mutation(() => Case)
  async createCase(@Arg("input", () => CreateCaseInput) input: CreateCaseInput, @Ctx() ctx: Context) {
    return withRefs(await service.createCase(ctx.deps, callerOf(ctx), viewer(ctx), input), ctx);
  }

  @Mutation(() => CaseComment)
  addCaseComment(@Arg("input", () => AddCaseCommentInput) input: AddCaseCommentInput, @Ctx() ctx: Context) {
    return service.addCaseComment(ctx.deps, callerOf(ctx), viewer(ctx), input);
  }

  @Query(() => CaseAccessExplanation, { description: "Why a contact may or may not read, write and append on a case." })
  explainCaseAccess(@Arg("contactId", () => ID) contactId: string, @Arg("caseId", () => ID) caseId: string, @Ctx() ctx: Context) {
    return service.explainCaseAccess(ctx.deps, ctx.principal!.organisationId, contactId, caseId);
  }

  @Query(() => MyPermissions, { description: "Per queue, what the signed-in portal account may do." })
  myPermissions(@Ctx() ctx: Context) {
    return service.myPermissions(ctx.deps, viewer(ctx));
  }

  @FieldResolver(() => [CaseComment])
  comments(@Root() kase: CaseParent, @Ctx() ctx: Context) {
    return ctx.loaders.commentsOfCase.load(kase.id);
  }
}

@Resolver(() => CaseComment)
export class CaseCommentResolver {
  @FieldResolver(() => Principal, { nullable: true })
  async author(@Root() comment: CommentRow, @Ctx() ctx: Context) {
    const loader = comment.authorType === "User" ? ctx.loaders.user : ctx.loaders.contact;
    const row = await loader.load(comment.authorId);
    return row && { ...row, __typename: comment.authorType };
  }
}
