import { getNamedType, getNullableType, type DocumentNode, type GraphQLSchema, isListType, Kind, visit } from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';

// What one item of a plain list (no `first`) is assumed to number.
const PLAIN_LIST_SIZE = 20;
const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
/** Fields that cost far more than reading a column. */
const WEIGHTS: Readonly<Record<string, number>> = { 'QrContent.svg': 50 };

const isConnection = (name: string) => name.endsWith('Connection');

/**
 * A field costs 1 (or its weight) plus what it selects; a connection costs 1 + its page size
 * (`first`) × what it selects; a plain list 1 + 20 × what each item selects; so nested lists
 * multiply. Lists inside a connection (nodes, edges) are already counted by the page size.
 */
const estimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const named = getNamedType(field.type);
  if (isConnection(named.name)) {
    const first = typeof args.first === 'number' ? Math.min(Math.max(args.first, 1), MAX_PAGE) : DEFAULT_PAGE;
    return 1 + first * childComplexity;
  }
  if (isListType(getNullableType(field.type)) && !isConnection(type.name)) return 1 + PLAIN_LIST_SIZE * childComplexity;
  return (WEIGHTS[`${type.name}.${field.name}`] ?? 1) + childComplexity;
};

/** The cost of the operation to run, before it runs (variables and fragments included). */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | null): number {
  return getComplexity({ schema, query: document, variables, operationName: operationName ?? undefined, estimators: [estimator] });
}

/**
 * The variables a document's cost can depend on: those given to a `first` argument (the only
 * argument the estimator reads) or to a directive's `if` (@skip, @include). Any other variable,
 * a create's input for one, leaves the cost as it is, so costs are remembered per document and
 * these variables alone.
 */
export function costVariables(document: DocumentNode): readonly string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node) {
      if ((node.name.value === 'first' || node.name.value === 'if') && node.value.kind === Kind.VARIABLE) names.add(node.value.name.value);
    },
  });
  return [...names]; // in the document's order, the same for every request of it
}
