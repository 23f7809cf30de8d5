import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';

/** Bounds the walk: fragments may nest (validation forbids cycles), documents are bounded anyway. */
const MAX_DEPTH = 16;

/**
 * The fields the request selects on a connection's nodes, through `nodes { … }` and
 * `edges { node { … } }`, fragments and inline fragments included. Directives are not evaluated:
 * a field under @skip counts as selected (it is read for nothing, never missed). Hot list reads
 * select only the columns these fields need.
 */
export function selectedNodeFields(info: GraphQLResolveInfo): Set<string> {
  const fields = new Set<string>();
  const walk = (set: SelectionSetNode | undefined, path: readonly string[], depth: number) => {
    if (!set || depth > MAX_DEPTH) return;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const inNodes = path.length === 1 && path[0] === 'nodes';
        const inEdgeNode = path.length === 2 && path[0] === 'edges' && path[1] === 'node';
        if (inNodes || inEdgeNode) fields.add(name);
        else if (path.length < 2) walk(selection.selectionSet, [...path, name], depth + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, path, depth + 1);
      } else {
        walk(info.fragments[selection.name.value]?.selectionSet, path, depth + 1);
      }
    }
  };
  for (const node of info.fieldNodes) walk(node.selectionSet, [], 0);
  return fields;
}
