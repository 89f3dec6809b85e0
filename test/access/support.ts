/** Helpers the access tests share: what a client sees of cases, through every read path. */
import { expect } from "vitest";
import { type CaseScope, type GatehouseClient, GatehouseError, type MyCasesQuery } from "../../client-sdk/src/index.js";

export type MyCaseNode = MyCasesQuery["myCases"]["edges"][number]["node"];
export type Flags = { read: boolean; write: boolean; append: boolean };

export const RWA: Flags = { read: true, write: true, append: true };
export const NONE: Flags = { read: false, write: false, append: false };
export const grant = (queueId: string, flags: Partial<Flags>) => ({ queueId, ...NONE, ...flags });

/** Every case of `myCases` (all pages), checking that totalCount matches what the pages hold. */
export async function allMyCases(client: GatehouseClient, scope?: CaseScope): Promise<MyCaseNode[]> {
  const nodes: MyCaseNode[] = [];
  let after: string | null = null;
  let total = -1;
  for (let page = 0; page < 50; page++) {
    const { myCases }: MyCasesQuery = await client.MyCases({ scope, first: 100, after });
    total = myCases.totalCount;
    nodes.push(...myCases.edges.map((e) => e.node));
    if (!myCases.pageInfo.hasNextPage) {
      expect(nodes).toHaveLength(total);
      return nodes;
    }
    after = myCases.pageInfo.endCursor;
  }
  throw new Error("myCases never ended");
}

/** The ids myCases lists. */
export const myCaseIds = async (client: GatehouseClient, scope?: CaseScope) => (await allMyCases(client, scope)).map((n) => n.id);

/** Whether `case(id)` answers the case (true) or NOT_FOUND (false); anything else fails the test. */
export async function caseReadable(client: GatehouseClient, id: string): Promise<boolean> {
  try {
    const { case: kase } = await client.Case({ id });
    expect(kase?.id).toBe(id);
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(GatehouseError);
    const e = error as GatehouseError;
    expect(e.errors.map((x) => x.extensions?.code)).toEqual(["NOT_FOUND"]);
    expect(e.data == null || (e.data as { case: unknown }).case === null).toBe(true);
    return false;
  }
}

/**
 * Whether the client may read the case, asked both ways (myCases and case(id)); the two
 * must agree, since the lists and the single reads share one predicate.
 */
export async function reads(client: GatehouseClient, id: string): Promise<boolean> {
  const listed = (await myCaseIds(client)).includes(id);
  const single = await caseReadable(client, id);
  expect(single, `myCases ${listed ? "lists" : "leaves out"} case ${id} but case(id) ${single ? "answers it" : "is NOT_FOUND"}`).toBe(listed);
  return listed;
}

/** What addCaseComment answers: "ok", or the refusal's only code. */
export async function commentOutcome(client: GatehouseClient, caseId: string, body = "A comment"): Promise<string> {
  try {
    const { addCaseComment } = await client.AddCaseComment({ input: { caseId, body } });
    expect(addCaseComment.body).toBe(body);
    return "ok";
  } catch (error) {
    expect(error).toBeInstanceOf(GatehouseError);
    const codes = (error as GatehouseError).errors.map((e) => e.extensions?.code);
    expect(codes).toHaveLength(1);
    return String(codes[0]);
  }
}

/** A case reported by `contactId`, created by a super user (who may write anywhere). */
export async function caseFor(admin: GatehouseClient, queueId: string, contactId: string, subject = `Case ${Math.random().toString(36).slice(2, 8)}`) {
  const { createCase } = await admin.CreateCase({ input: { queueId, contactId, subject } });
  return createCase;
}

/** The comments of a case, as a super user sees them. */
export async function commentsOf(admin: GatehouseClient, caseId: string) {
  return (await admin.Case({ id: caseId })).case!.comments;
}
