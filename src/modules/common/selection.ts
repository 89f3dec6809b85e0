import { type FieldNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from "graphql";

/** The fields of selection sets, with those of their fragments and inline fragments. */
function fieldsOf(info: GraphQLResolveInfo, sets: readonly (SelectionSetNode | undefined)[]): FieldNode[] {
  const fields: FieldNode[] = [];
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        walk(info.fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  sets.forEach(walk);
  return fields;
}

/**
 * The names of the fields the client selected at `path` below the field being resolved (for
 * example ["edges", "node", "contact"]), through fragments too: lets a list read in its one
 * statement just what is asked for.
 */
export function selectedAt(info: GraphQLResolveInfo, path: readonly string[]): Set<string> {
  let fields = fieldsOf(info, info.fieldNodes.map((node) => node.selectionSet));
  for (const name of path) fields = fieldsOf(info, fields.filter((f) => f.name.value === name).map((f) => f.selectionSet));
  return new Set(fields.map((f) => f.name.value));
}

/** Whether the client selected `field` directly below the field being resolved: a list fetches its totalCount only then. */
export const selects = (info: GraphQLResolveInfo, field: string): boolean => selectedAt(info, []).has(field);
