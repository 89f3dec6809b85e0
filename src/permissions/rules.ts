import { allow, deny, rule } from "graphql-shield";
import type { Context } from "../context.js";

/**
 * Who the request speaks for: the session's principal, or the one `login` just signed in,
 * so that a sign-in may read back its own principal.
 */
export const actingAs = (ctx: Context) => ctx.principal ?? ctx.signedIn ?? null;

export const isSignedIn = rule({ cache: "contextual" })((_p, _a, ctx: Context) => actingAs(ctx) !== null);
export const isStaff = rule({ cache: "contextual" })((_p, _a, ctx: Context) => actingAs(ctx)?.kind === "User");
export const isContact = rule({ cache: "contextual" })((_p, _a, ctx: Context) => actingAs(ctx)?.kind === "Contact");
export const isSuperUser = rule({ cache: "contextual" })((_p, _a, ctx: Context) => ctx.principal?.superUser === true);

/** The parent object is the acting principal itself; an id comparison is cheaper than the "strict" cache's hashing of the parent. */
export const isSelf = (name: string, kind: "User" | "Contact", idOf: (parent: any) => string) =>
  rule(name, { cache: "no_cache" })((parent, _a, ctx: Context) => {
    const who = actingAs(ctx);
    return who?.kind === kind && who.id === idOf(parent);
  });

export { allow, deny };
