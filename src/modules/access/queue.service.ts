import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { audit, diff } from "../../audit/audit.js";
import type { Caller, Deps } from "../../context.js";
import type { DbOrTx } from "../../db/client.js";
import { queues } from "../../db/schema/index.js";
import { conflict, isUniqueViolation } from "../../errors.js";
import { isId } from "../common/pagination.js";
import { check, name } from "../common/validation.js";
import type { CreateQueueInput } from "./queue.types.js";

export type QueueRow = typeof queues.$inferSelect;

export async function findQueue(db: DbOrTx, organisationId: string, id: string) {
  if (!isId(id)) return undefined;
  const [row] = await db.select().from(queues).where(and(eq(queues.organisationId, organisationId), eq(queues.id, id)));
  return row;
}

export function listQueues(deps: Pick<Deps, "db">, organisationId: string) {
  return deps.db.select().from(queues).where(eq(queues.organisationId, organisationId)).orderBy(asc(queues.name), asc(queues.id));
}

export async function createQueue(deps: Pick<Deps, "db">, caller: Caller, raw: CreateQueueInput) {
  const input = check(z.object({ name: name() }), raw);
  try {
    return await deps.db.transaction(async (tx) => {
      const [row] = await tx.insert(queues).values({ organisationId: caller.organisationId, name: input.name }).returning();
      await audit(tx, caller, { action: "createQueue", entityType: "Queue", entityId: row.id, changes: diff(null, input) });
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("name", "A queue with this name exists already.");
    throw error;
  }
}
