import { isObjectType } from "graphql";
import { deny } from "graphql-shield";
import { beforeAll, describe, expect, it } from "vitest";
import { permissionTree } from "../../src/permissions/tree.js";
import { buildBareSchema } from "../../src/schema.js";
import type { GraphQLObjectType, GraphQLSchema } from "graphql";

const tree = permissionTree as Record<string, Record<string, unknown>>;
let schema: GraphQLSchema;
let objectTypes: GraphQLObjectType[];

beforeAll(async () => {
  schema = await buildBareSchema();
  objectTypes = Object.values(schema.getTypeMap())
    .filter(isObjectType)
    .filter((type) => !type.name.startsWith("__"));
});

describe("the shield permission tree", () => {
  it("gives every field of every object type an explicit rule", () => {
    expect(objectTypes.length).toBeGreaterThan(10);
    const uncovered: string[] = [];
    for (const type of objectTypes) {
      const rules = tree[type.name];
      for (const field of Object.keys(type.getFields())) {
        if (!rules || (rules[field] === undefined && rules["*"] === undefined)) uncovered.push(`${type.name}.${field}`);
      }
    }
    expect(uncovered).toEqual([]);
  });

  it("gives every Query and Mutation field its own entry, and denies anything else", () => {
    for (const root of [schema.getQueryType()!, schema.getMutationType()!]) {
      const rules = tree[root.name];
      expect(rules, root.name).toBeDefined();
      expect(rules["*"], `${root.name}."*"`).toBe(deny);
      const wildcardOnly = Object.keys(root.getFields()).filter((field) => rules[field] === undefined);
      expect(wildcardOnly, `${root.name} fields covered only by the wildcard`).toEqual([]);
    }
  });

  it("names only types and fields that exist (a typo would silently deny a field)", () => {
    const stale: string[] = [];
    for (const [typeName, rules] of Object.entries(tree)) {
      const type = schema.getType(typeName);
      if (!type || !isObjectType(type)) {
        stale.push(typeName);
        continue;
      }
      const fields = type.getFields();
      for (const field of Object.keys(rules)) if (field !== "*" && !fields[field]) stale.push(`${typeName}.${field}`);
    }
    expect(stale).toEqual([]);
  });
});
