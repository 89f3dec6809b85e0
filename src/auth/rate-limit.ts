import type { Config } from "../config.js";
import type { Clock } from "../context.js";
import { rateLimited } from "../errors.js";

const MINUTE = 60_000;

/**
 * Sign-in and reset requests per client address and minute. In-process (fixed one-minute
 * windows): each server process counts on its own, which bounds an address per process.
 */
class AddressLimiter {
  private windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly perMinute: number) {}

  take(address: string, now: number): boolean {
    const current = this.windows.get(address);
    if (!current || now - current.start >= MINUTE) {
      if (this.windows.size > 100_000) this.prune(now);
      this.windows.set(address, { start: now, count: 1 });
      return true;
    }
    current.count++;
    return current.count <= this.perMinute;
  }

  private prune(now: number) {
    for (const [key, window] of this.windows) if (now - window.start >= MINUTE) this.windows.delete(key);
  }
}

// One limiter per server (its config object), so test servers in one process do not share counts.
const limiters = new WeakMap<Config, AddressLimiter>();

/** Counts one sign-in or reset request of the address; RATE_LIMITED past GATEHOUSE_SIGNIN_RATE_PER_MINUTE. */
export function takeSignInAttempt(deps: { config: Config; clock: Clock }, clientAddress: string | null) {
  let limiter = limiters.get(deps.config);
  if (!limiter) limiters.set(deps.config, (limiter = new AddressLimiter(deps.config.signInRatePerMinute)));
  if (!limiter.take(clientAddress ?? "unknown", deps.clock().getTime())) {
    throw rateLimited("Too many sign-in attempts from this address; try again in a minute.");
  }
}
