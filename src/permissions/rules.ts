import { allow, deny, or, rule } from "graphql-shield";
import type { Context } from "../context.js";

/**
 * Who the request speaks for: the session's principal, or the one `login` just signed in,
 * so that a sign-in may read back its own principal.
 */
export const actingAs = (ctx: Context) => ctx.principal ?? ctx.signedIn ?? null;

/** Any shield rule, logic rules included (the package does not export the name). */
export type ShieldRule = Parameters<typeof or>[0];

/** What a rule decides from the parent object and the request alone: no database, no await. */
export type Predicate = (parent: any, ctx: Context) => boolean;

/** Every rule below with its predicate, so that nested fields can be checked without shield's async wrapper (see sync-fields.ts). */
const predicates = new Map<ShieldRule, Predicate>([
  [allow, () => true],
  [deny, () => false],
]);

export const predicateOf = (r: ShieldRule): Predicate | undefined => predicates.get(r);

function register<R extends ShieldRule>(r: R, predicate: Predicate): R {
  predicates.set(r, predicate);
  return r;
}

/** A rule that reads only the request: shield caches its answer for the request. */
const contextual = (predicate: (ctx: Context) => boolean) =>
  register(
    rule({ cache: "contextual" })((_p, _a, ctx: Context) => predicate(ctx)),
    (_parent, ctx) => predicate(ctx),
  );

export const isSignedIn = contextual((ctx) => actingAs(ctx) !== null);
export const isStaff = contextual((ctx) => actingAs(ctx)?.kind === "User");
export const isContact = contextual((ctx) => actingAs(ctx)?.kind === "Contact");
export const isSuperUser = contextual((ctx) => ctx.principal?.superUser === true);

/** A rule on the parent object; an id comparison is cheaper than the "strict" cache's hashing of the parent. */
export const parentRule = (name: string, predicate: Predicate) =>
  register(
    rule(name, { cache: "no_cache" })((parent, _a, ctx: Context) => predicate(parent, ctx)),
    predicate,
  );

/** The parent object is the acting principal itself. */
export const isSelf = (name: string, kind: "User" | "Contact", idOf: (parent: any) => string) =>
  parentRule(name, (parent, ctx) => {
    const who = actingAs(ctx);
    return who?.kind === kind && who.id === idOf(parent);
  });

/** shield's `or`, known to the synchronous check when all its rules are. */
export function anyOf(...rules: ShieldRule[]) {
  const combined = or(...rules);
  const parts = rules.map(predicateOf);
  if (parts.every((p): p is Predicate => p !== undefined)) register(combined, (parent, ctx) => parts.some((p) => p(parent, ctx)));
  return combined;
}

export { allow, deny };
