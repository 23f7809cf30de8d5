import { type DocumentNode, type FragmentDefinitionNode, GraphQLError, Kind, type OperationDefinitionNode, type SelectionSetNode, type ValidationRule } from 'graphql';
import { allow } from 'graphql-shield';
import { ruleTree } from '../auth/rules.js';

/** Mutations anyone may call (sign-in, sign-up, invitations, password resets, pairing), from the rule tree. */
const PUBLIC_MUTATIONS = new Set(Object.entries((ruleTree as Record<string, Record<string, unknown>>).Mutation ?? {}).filter(([, r]) => r === allow).map(([name]) => name));

/** Bounds the walk through fragments (validation refuses cycles; this holds before it has run too). */
const MAX_DEPTH = 16;

/** The root fields an operation selects, through fragments and inline fragments (__typename left out). */
function rootFields(op: OperationDefinitionNode, fragment: (name: string) => FragmentDefinitionNode | null | undefined): string[] {
  const names: string[] = [];
  const walk = (set: SelectionSetNode | undefined, depth: number) => {
    if (!set || depth > MAX_DEPTH) return;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        if (s.name.value !== '__typename') names.push(s.name.value);
      } else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet, depth + 1);
      else walk(fragment(s.name.value)?.selectionSet, depth + 1);
    }
  };
  walk(op.selectionSet, 0);
  return names;
}

/**
 * A public mutation must be the only field of its operation. These run without (or before) the
 * request's transaction and read accounts outside it: beside another field, the embedded engine's
 * single connection, held by the transaction, would wait for itself, and every request with it.
 */
export const publicMutationsAlone: ValidationRule = (context) => ({
  OperationDefinition(op) {
    if (op.operation !== 'mutation') return;
    const fields = rootFields(op, (name) => context.getFragment(name));
    const found = fields.filter((name) => PUBLIC_MUTATIONS.has(name));
    if (found.length && fields.length > 1) {
      context.reportError(new GraphQLError(`${[...new Set(found)].join(', ')} must be the only field of its mutation: send it on its own`, { nodes: op }));
    }
  },
});

/**
 * Whether the operation consults permissions: all but a public mutation (alone, by the rule
 * above), whose request's transaction is then not opened before its own work.
 */
export function needsPermissions(op: OperationDefinitionNode, document: DocumentNode): boolean {
  if (op.operation !== 'mutation') return true;
  const fragment = (name: string) =>
    document.definitions.find((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === name);
  return !rootFields(op, fragment).some((name) => PUBLIC_MUTATIONS.has(name));
}
