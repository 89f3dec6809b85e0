import argon2 from "argon2";
import { describe, expect, it } from "vitest";
import { PasswordHasher } from "../../src/auth/passwords.js";

// Cheap argon2 settings: this tests the queue, not the hash.
const cheap = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

describe("PasswordHasher bulk work (imports)", () => {
  it("hashes many passwords without RATE_LIMITED, even beyond queueMax", async () => {
    const hasher = new PasswordHasher(cheap, { concurrency: 1, queueMax: 1, maxWaitMs: 1 });
    const passwords = Array.from({ length: 20 }, (_, i) => `bulk-password-${i}`);
    const hashes = await hasher.hashMany(passwords);
    expect(await Promise.all(hashes.map((hash, i) => argon2.verify(hash, passwords[i])))).toEqual(passwords.map(() => true));
    expect(await hasher.verifyMany([{ hash: hashes[0], password: passwords[0] }, { hash: hashes[1], password: "wrong" }])).toEqual([true, false]);
    expect(hasher.stats).toEqual({ running: 0, waiting: 0, background: 0 });
  });

  it("lets a sign-in that arrives during an import take the next free slot, ahead of the import's remaining hashes", async () => {
    const hasher = new PasswordHasher(cheap, { concurrency: 1, queueMax: 10, maxWaitMs: 60_000 });
    const finished: string[] = [];
    const bulk = Promise.all(Array.from({ length: 10 }, (_, i) => hasher.hashMany([`bulk-${i}`]).then(() => finished.push(`bulk-${i}`))));
    await new Promise((resolve) => setImmediate(resolve));
    expect(hasher.stats).toMatchObject({ running: 1, background: 9 });
    const signIn = hasher.hash("sign-in").then(() => finished.push("sign-in"));
    await Promise.all([bulk, signIn]);
    // Only the hash already running when the sign-in arrived finishes before it.
    expect(finished.indexOf("sign-in")).toBe(1);
    expect(hasher.stats).toEqual({ running: 0, waiting: 0, background: 0 });
  });
});
