import type { Caller } from "../context.js";
import type { DbOrTx } from "../db/client.js";
import { auditEvents } from "../db/schema/index.js";

export type Changes = Record<string, unknown>;

/** Field names whose values are never written: only that they changed. */
const SECRET_FIELDS = new Set(["password", "passwordHash", "token", "tokenHash", "bindPassword", "secret"]);

/** {field: {from, to}} for the fields that differ; a secret field becomes `passwordChanged: true`. */
export function diff<T extends Record<string, unknown>>(before: Partial<T> | null, after: Partial<T>): Changes {
  const changes: Changes = {};
  for (const [key, to] of Object.entries(after)) {
    if (to === undefined) continue;
    if (SECRET_FIELDS.has(key)) {
      changes.passwordChanged = true;
      continue;
    }
    const from = before ? before[key] : null;
    if (!same(from, to)) changes[key] = { from: plain(from), to: plain(to) };
  }
  return changes;
}

const plain = (v: unknown) => (v instanceof Date ? v.toISOString() : (v ?? null));
const same = (a: unknown, b: unknown) => JSON.stringify(plain(a)) === JSON.stringify(plain(b));

export type AuditEntry = {
  action: string;
  entityType: string;
  entityId: string | null;
  changes?: Changes;
};

/** Writes one audit event inside the caller's transaction: without it, the change does not happen. */
export async function audit(tx: DbOrTx, caller: Caller, entry: AuditEntry): Promise<void> {
  await tx.insert(auditEvents).values({
    organisationId: caller.organisationId,
    actorType: caller.actor?.type ?? null,
    actorId: caller.actor?.id ?? null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    changes: entry.changes ?? {},
    clientAddress: caller.clientAddress,
  });
}
