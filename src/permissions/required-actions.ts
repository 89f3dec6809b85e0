import type { IMiddlewareFunction } from "graphql-middleware";
import type { Context } from "../context.js";
import { forbidden } from "../errors.js";

/** What a session that must change its password may still call (contract: README, auth.graphql). */
const ALLOWED = new Set(["changePassword", "logout", "me", "login"]);

const gate: IMiddlewareFunction = (resolve, parent, args, ctx: Context, info) => {
  if (ctx.principal?.requiredActions.length && !ALLOWED.has(info.fieldName)) {
    throw forbidden("Change your password first.");
  }
  return resolve(parent, args, ctx, info);
};

/** Central restriction of sessions with required actions: every root field but the allowed ones is FORBIDDEN. */
export const requiredActionsGate = { Query: gate, Mutation: gate };
