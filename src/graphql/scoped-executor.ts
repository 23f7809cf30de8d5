import type { GatewayExecutor, GatewayInterface, GatewaySchemaLoadOrUpdateCallback } from '@apollo/server-gateway-interface';
import type { GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { RequestContext } from '../tenancy/context.js';
import { RequestScope } from '../tenancy/request-scope.js';
import { AppError } from '../errors.js';
import { costVariables, operationCost } from './cost.js';
import type { Executor } from './compiled-execution.js';
import { assertStorableLiterals, assertStorableVariables } from './input-text.js';
import { needsPermissions } from './public-mutations.js';

/**
 * Variables that cannot be coerced make no cost (null): execution refuses them with a clear
 * error. Never remembered, so a refused request cannot leave a cost for a valid one.
 */
function costOf(...args: Parameters<typeof operationCost>): number | null {
  try {
    return operationCost(...args);
  } catch {
    return null;
  }
}

/** Documents (and variables) seen recently: weighed and checked once per process, not per request. */
const REMEMBERED = 1_000;
/** Cost variables longer than this as JSON are weighed every time rather than kept as a key. */
const MAX_VARIABLES_KEY = 1_024;

/**
 * The given variables among `names`, as a key (absent ones left out, as their defaults apply).
 * Name and value pairs, not an object: a variable may be named `__proto__`, which an object's
 * assignment would swallow, making every value of it one key.
 */
function variablesKey(variables: Record<string, unknown> | undefined, names: readonly string[]): string {
  if (!variables || !names.length) return '[]';
  return JSON.stringify(names.filter((name) => Object.hasOwn(variables, name)).map((name) => [name, variables[name]]));
}

/**
 * Apollo Server stays the protocol layer (parsing, validation, persisted queries, errors); it
 * hands every operation to this executor, which runs it inside the request's scope. Apollo's
 * gateway interface is its supported hook for replacing execution.
 */
export function scopedExecution(schema: GraphQLSchema, executor: Executor): GatewayInterface {
  const listeners = new Set<GatewaySchemaLoadOrUpdateCallback>();
  // A document's text never changes under its hash: its literals are checked, and the variables
  // its cost depends on found, once. Its cost is kept per document and those variables' values.
  const documents = new LRUCache<string, readonly string[]>({ max: REMEMBERED });
  const costs = new LRUCache<string, number>({ max: REMEMBERED });
  const scoped: GatewayExecutor = async (rc) => {
    const ctx = rc.context as RequestContext;
    if (rc.operation.operation === 'subscription') {
      throw AppError.request('BAD_USER_INPUT', 'Subscriptions are not served over HTTP');
    }
    assertStorableVariables(rc.request.variables);
    let weighedBy = documents.get(rc.queryHash);
    if (!weighedBy) {
      assertStorableLiterals(rc.document);
      weighedBy = costVariables(rc.document);
      documents.set(rc.queryHash, weighedBy);
    }
    const variables = variablesKey(rc.request.variables, weighedBy);
    const key = variables.length <= MAX_VARIABLES_KEY ? `${rc.queryHash}:${rc.operationName ?? ''}:${variables}` : null;
    let cost = key === null ? undefined : costs.get(key);
    if (cost === undefined) {
      const weighed = costOf(schema, rc.document, rc.request.variables, rc.operationName);
      if (weighed !== null && key !== null) costs.set(key, weighed);
      cost = weighed ?? 0;
    }
    return RequestScope.of(ctx).execute(ctx, { type: rc.operation.operation, name: rc.operationName, cost, source: rc.source, variables: rc.request.variables, needsPermissions: needsPermissions(rc.operation, rc.document) }, async () =>
      executor.run({ document: rc.document, queryHash: rc.queryHash, operationName: rc.operationName, contextValue: ctx, variableValues: rc.request.variables }),
    );
  };
  return {
    onSchemaLoadOrUpdate(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    async load() {
      for (const callback of listeners) callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return { executor: scoped };
    },
    async stop() {},
  };
}
