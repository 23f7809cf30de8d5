import {
  type DocumentNode,
  execute,
  type ExecutionResult,
  GraphQLError,
  type GraphQLSchema,
  isNonNullType,
  Kind,
  parse,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import type { Manifest } from '../persisted/manifest.js';

/** How operations run: compiled once per document (graphql-jit), or graphql-js's interpreter every time. */
export type ExecutionMode = 'compiled' | 'graphql-js';

export type Operation = {
  document: DocumentNode;
  /** sha256 of the document's text (Apollo's queryHash; the manifest's key for a trusted document). */
  queryHash: string;
  operationName: string | null;
  contextValue: unknown;
  variableValues: Record<string, unknown> | undefined;
};

type Path = readonly (string | number)[];

/** Where an error's null ended up: the first null on its path in the data (its own field if nullable). */
function nulledAt(data: unknown, path: Path): number {
  let node = data;
  for (let i = 0; i < path.length; i++) {
    if (node === null || node === undefined) return i;
    node = (node as Record<string | number, unknown>)[path[i]!];
  }
  return path.length;
}

/** Where in the document each non-null field is (line:column), found with the schema's types. */
function nonNullFields(schema: GraphQLSchema, document: DocumentNode): Set<string> {
  const found = new Set<string>();
  const types = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(types, {
      Field(node) {
        const type = types.getType();
        if (type && isNonNullType(type) && node.loc) found.add(`${node.loc.startToken.line}:${node.loc.startToken.column}`);
      },
    }),
  );
  return found;
}

/**
 * graphql-js reports one error per null that propagated: once a non-null field's error has
 * nulled its parent, the errors of its non-null siblings are dropped (their promise lost the
 * race); a nullable field's error is always reported. graphql-jit reports them all; the later
 * non-null ones are dropped here the same way.
 */
function oneErrorPerPropagatedNull(result: ExecutionResult, nonNull: () => Set<string>): readonly GraphQLError[] {
  const seen = new Set<string>();
  return result.errors!.filter((e) => {
    const path = e.path ?? [];
    const at = result.data === null ? 0 : nulledAt(result.data, path);
    if (at >= path.length) return true; // its own null
    const where = e.locations?.[0];
    if (!where || !nonNull().has(`${where.line}:${where.column}`)) return true; // a nullable field
    const key = JSON.stringify(path.slice(0, at));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * graphql-jit's errors are its own kind: no `extensions` unless the original error had some,
 * which Apollo's error formatting requires. They become graphql-js errors, as execute makes.
 */
function withGraphQLErrors(result: ExecutionResult, schema: GraphQLSchema, document: DocumentNode): ExecutionResult {
  if (!result.errors?.length) return result;
  let nonNull: Set<string> | undefined;
  const errors = oneErrorPerPropagatedNull(result, () => (nonNull ??= nonNullFields(schema, document))).map((e) => {
    const error = new GraphQLError(e.message, { path: e.path, originalError: e.originalError ?? undefined, extensions: e.extensions });
    (error as { locations?: GraphQLError['locations'] }).locations = e.locations;
    return error;
  });
  return { ...result, errors };
}

/** Ad-hoc documents kept compiled; trusted documents are compiled at start and always kept. */
const AD_HOC_DOCUMENTS = 1_000;

const key = (queryHash: string, operationName: string | null) => `${queryHash}:${operationName ?? ''}`;

/**
 * Runs operations against one schema. In `compiled` mode each document is compiled once, to a
 * function that walks exactly its selection and calls only the resolvers that exist (fields that
 * just read a property get none, see schema.ts): every trusted document at start, ad-hoc documents
 * on first use into a bounded LRU. A document graphql-jit cannot compile runs on graphql-js.
 */
export class Executor {
  private readonly trusted = new Map<string, CompiledQuery>();
  private readonly adHoc = new LRUCache<string, CompiledQuery>({ max: AD_HOC_DOCUMENTS });

  constructor(
    private readonly schema: GraphQLSchema,
    readonly mode: ExecutionMode,
    manifest: Manifest,
  ) {
    if (mode !== 'compiled') return;
    for (const [hash, text] of manifest) {
      const document = parse(text);
      for (const definition of document.definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
        const name = definition.name?.value ?? null;
        const compiled = this.compile(document, name);
        if (compiled) this.trusted.set(key(hash, name), compiled);
      }
    }
  }

  run(op: Operation): Promise<ExecutionResult> | ExecutionResult {
    const compiled = this.mode === 'compiled' ? this.compiled(op) : null;
    if (compiled) {
      const result = compiled.query(undefined, op.contextValue, op.variableValues);
      const settle = (r: ExecutionResult) => (r.data === undefined ? this.interpret(op) : withGraphQLErrors(r, this.schema, op.document));
      return result instanceof Promise ? result.then(settle) : settle(result);
    }
    return this.interpret(op);
  }

  /**
   * graphql-js's own execution. Also where compiled execution refused the variables before
   * running anything (no data): graphql-js refuses them again, with the errors Apollo recognises
   * as bad input (they carry the variable's definition node).
   */
  private interpret(op: Operation): Promise<ExecutionResult> | ExecutionResult {
    return execute({
      schema: this.schema,
      document: op.document,
      contextValue: op.contextValue,
      variableValues: op.variableValues,
      operationName: op.operationName,
    });
  }

  /** How many documents are held compiled (trusted, ad hoc). */
  get size(): { trusted: number; adHoc: number } {
    return { trusted: this.trusted.size, adHoc: this.adHoc.size };
  }

  private compiled(op: Operation): CompiledQuery | null {
    const k = key(op.queryHash, op.operationName);
    const found = this.trusted.get(k) ?? this.adHoc.get(k);
    if (found) return found;
    const compiled = this.compile(op.document, op.operationName);
    if (compiled) this.adHoc.set(k, compiled);
    return compiled;
  }

  private compile(document: DocumentNode, operationName: string | null): CompiledQuery | null {
    // Stacks of field errors are never shown (formatError masks them); capturing them costs.
    const result = compileQuery(this.schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true });
    return isCompiledQuery(result) ? result : null;
  }
}
