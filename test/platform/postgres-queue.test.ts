/**
 * postgres.js 3.4's internal queue, as patched by patches/postgres+3.4.9.patch (applied by
 * `npm ci` through patch-package): unpatched, a queue that is shifted and pushed without ever
 * running empty (every pooled connection busy, as under sustained load) keeps the spent slots,
 * so it grows by one per query and each remove() scans all of it: measured here, CPU per query
 * tripled within 16 seconds (bench/db-pool.bench.ts). The patch drops the spent head.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

type Queue<T> = { readonly length: number; push(x: T): T; shift(): T; remove(x: T): T | null };

// The package's exports map hides its source files: find them beside its CommonJS entry.
const packageRoot = join(dirname(createRequire(import.meta.url).resolve("postgres")), "..", "..");
const loadQueue = async (format: "src" | "cjs/src") =>
  (await import(pathToFileURL(join(packageRoot, format, "queue.js")).href)).default as <T>(initial?: T[]) => Queue<T>;

describe("postgres.js pool queue (patched)", () => {
  it.each(["src", "cjs/src"] as const)("%s/queue.js carries the patch", (format) => {
    const source = readFileSync(join(packageRoot, format, "queue.js"), "utf8");
    expect(source).toContain("xs.indexOf(x, index)");
    expect(source).toContain("xs = xs.slice(index)");
  });

  it("stays first in, first out through a million shifts and pushes that never empty it, and removes the right entries", async () => {
    const Queue = await loadQueue("src");
    const q = Queue(["a", "b", "c"]);
    const seen: string[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      const x = q.shift();
      if (i >= 999_994) seen.push(x);
      q.push(x);
    }
    expect(seen).toEqual(["b", "c", "a", "b", "c", "a"]);
    expect(q.length).toBe(3);
    expect(q.remove("c")).toBe("c");
    expect(q.remove("c")).toBeNull();
    expect(q.length).toBe(2);
    expect([q.shift(), q.shift()]).toEqual(["b", "a"]);
    expect(q.length).toBe(0);
  });
});
