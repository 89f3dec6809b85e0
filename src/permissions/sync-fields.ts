import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema, isObjectType } from "graphql";
import type { IRules } from "graphql-shield";
import type { Context } from "../context.js";
import { deny, predicateOf, type ShieldRule } from "./rules.js";

type Resolvers = Map<string, GraphQLFieldResolver<unknown, Context> | undefined>;

/** Every object field's own resolver, read before middleware wraps them. */
export function resolversOf(schema: GraphQLSchema): Resolvers {
  const resolvers: Resolvers = new Map();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const [name, field] of Object.entries(type.getFields())) resolvers.set(`${type.name}.${name}`, field.resolve);
  }
  return resolvers;
}

/**
 * graphql-shield's middleware is async, so every field it guards resolves to a promise: on a page
 * of 20 cases that is hundreds per request, most of the request's CPU. Below Query and Mutation, a
 * field whose rule has a synchronous predicate (rules.ts) gets that same check run synchronously
 * around its own resolver instead, with the same answer on denial; any other field keeps shield.
 */
export function checkNestedFieldsSynchronously(
  shielded: GraphQLSchema,
  own: Resolvers,
  tree: IRules,
  denied: (ctx: Context) => Error,
) {
  const roots = new Set([shielded.getQueryType(), shielded.getMutationType(), shielded.getSubscriptionType()]);
  const rulesOf = tree as Record<string, Record<string, ShieldRule>>;
  for (const type of Object.values(shielded.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__") || roots.has(type)) continue;
    const rules = rulesOf[type.name] ?? {};
    for (const [name, field] of Object.entries(type.getFields())) {
      const predicate = predicateOf(rules[name] ?? rules["*"] ?? deny);
      if (!predicate) continue;
      const resolve = own.get(`${type.name}.${name}`) ?? defaultFieldResolver;
      field.resolve = (parent, args, ctx: Context, info) => {
        if (!predicate(parent, ctx)) throw denied(ctx);
        return resolve(parent, args, ctx, info);
      };
    }
  }
  return shielded;
}
