import argon2 from "argon2";
import { rateLimited } from "../errors.js";

export type Argon2Settings = { memoryCost: number; timeCost: number; parallelism: number };
export type HashingSettings = { concurrency: number; queueMax: number; maxWaitMs: number };

/**
 * argon2id on libuv's thread pool, behind a bounded queue: the hash is the scarce resource,
 * so a full queue refuses at once (RATE_LIMITED) instead of hashing for clients that left.
 */
export class PasswordHasher {
  private running = 0;
  private readonly waiting: Array<{ start: () => void; timer: NodeJS.Timeout }> = [];
  /** Bulk work (imports): served only when no sign-in waits, and never refused. */
  private readonly background: Array<() => void> = [];
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly argon: Argon2Settings,
    private readonly limits: HashingSettings,
  ) {}

  /** Refuses at once when a hash could not even queue, before the caller spends anything on the request. */
  assertCapacity() {
    if (this.running >= this.limits.concurrency && this.waiting.length >= this.limits.queueMax) {
      throw rateLimited("Too many sign-ins at once; try again shortly.");
    }
  }

  get stats() {
    return { running: this.running, waiting: this.waiting.length, background: this.background.length };
  }

  hash(password: string): Promise<string> {
    return this.slot(() => this.argon2id(password));
  }

  /** Hashes many passwords through the same slots, behind every waiting sign-in and without RATE_LIMITED. */
  hashMany(passwords: readonly string[]): Promise<string[]> {
    return Promise.all(passwords.map((password) => this.backgroundSlot(() => this.argon2id(password))));
  }

  /** Verifies many password/hash pairs at bulk priority, like hashMany. */
  verifyMany(pairs: ReadonlyArray<{ hash: string; password: string }>): Promise<boolean[]> {
    return Promise.all(pairs.map(({ hash, password }) => this.backgroundSlot(() => argon2.verify(hash, password).catch(() => false))));
  }

  private argon2id(password: string) {
    return argon2.hash(password, { type: argon2.argon2id, ...this.argon });
  }

  /** Verifies against a stored hash, or against a dummy hash when there is none, so both cost the same. */
  async verify(hash: string | null | undefined, password: string): Promise<boolean> {
    const target = hash ?? (await this.dummy());
    const ok = await this.slot(() => argon2.verify(target, password).catch(() => false));
    return ok && hash != null;
  }

  /** True when a stored hash was made with weaker settings than the current ones. */
  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, this.argon);
  }

  private dummy(): Promise<string> {
    // Made through the queue like any other hash, so even the first unknown login waits its turn.
    this.dummyHash ??= this.hash("gatehouse-dummy-password");
    return this.dummyHash;
  }

  private async slot<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limits.concurrency) {
      if (this.waiting.length >= this.limits.queueMax) throw rateLimited("Too many sign-ins at once; try again shortly.");
      await new Promise<void>((resolve, reject) => {
        const entry = {
          start: () => {
            clearTimeout(entry.timer);
            resolve();
          },
          timer: setTimeout(() => {
            this.waiting.splice(this.waiting.indexOf(entry), 1);
            reject(rateLimited("Too many sign-ins at once; try again shortly."));
          }, this.limits.maxWaitMs),
        };
        this.waiting.push(entry);
      });
    } else {
      this.running++;
    }
    return this.run(work);
  }

  private async backgroundSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.limits.concurrency && this.waiting.length === 0) this.running++;
    else await new Promise<void>((resolve) => this.background.push(resolve));
    return this.run(work);
  }

  /** Runs work in a held slot, then hands the slot on: to a waiting sign-in first, then to bulk work. */
  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next.start();
      else {
        const bulk = this.background.shift();
        if (bulk) bulk();
        else this.running--;
      }
    }
  }
}
