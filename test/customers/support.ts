import { expect } from "vitest";
import { type ErrorCode, type GatehouseClient, GatehouseError } from "../../client-sdk/src/index.js";

/** The GatehouseError a refused call throws (fails the test when the call succeeds). */
export async function refusal(promise: Promise<unknown>): Promise<GatehouseError> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error) => ({ ok: false as const, error }),
  );
  if (outcome.ok) expect.fail(`expected a refusal, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(GatehouseError);
  return outcome.error as GatehouseError;
}

/**
 * Expects the call to be refused with exactly one error carrying `code` (and `field` when
 * given; `field: null` asserts that no field is named).
 */
export async function expectRefusal(promise: Promise<unknown>, code: ErrorCode, field?: string | null) {
  const error = await refusal(promise);
  expect(error.errors.map((e) => e.extensions?.code)).toEqual([code]);
  if (field !== undefined) expect(error.field ?? null).toBe(field);
  return error;
}

/** How many audit events the organisation of `client` holds (optionally filtered). */
export async function auditCount(
  client: GatehouseClient,
  filter: { entityId?: string; action?: string; entityType?: string; actorId?: string } = {},
) {
  const { auditEvents } = await client.AuditEvents({ first: 1, filter });
  return auditEvents.totalCount;
}

/** A random UUID that names nothing. */
export const unknownId = () => crypto.randomUUID();
