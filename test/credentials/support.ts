import { expect } from "vitest";
import { GatehouseError } from "../../client-sdk/src/index.js";

/** The GatehouseError a call rejects with (fails the test when it succeeds). */
export async function failure(call: Promise<unknown>): Promise<GatehouseError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call should have failed").toBeInstanceOf(GatehouseError);
  return error as GatehouseError;
}

/** The error code of a call, or "OK" when it succeeds. */
export async function outcome(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => "OK",
    (e: unknown) => (e instanceof GatehouseError ? String(e.code) : Promise.reject(e)),
  );
}

/** A controllable clock for startTestServer({ clock }). */
export function testClock(start = "2031-03-01T08:00:00Z") {
  let now = new Date(start);
  return {
    clock: () => now,
    set: (d: Date) => {
      now = d;
    },
    advanceMinutes: (m: number) => {
      now = new Date(now.getTime() + m * 60_000);
    },
    advanceDays: (d: number) => {
      now = new Date(now.getTime() + d * 86_400_000);
    },
    now: () => now,
  };
}
