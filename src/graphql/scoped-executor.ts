import type { GatewayExecutor, GatewayInterface, GatewaySchemaLoadOrUpdateCallback } from '@apollo/server-gateway-interface';
import type { GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { RequestContext } from '../tenancy/context.js';
import { RequestScope } from '../tenancy/request-scope.js';
import { AppError } from '../errors.js';
import { operationCost } from './cost.js';
import type { Executor } from './compiled-execution.js';
import { assertStorableLiterals, assertStorableVariables } from './input-text.js';
import { needsPermissions } from './public-mutations.js';

/** Variables that cannot be coerced make no cost: execution refuses them with a clear error. */
function costOf(...args: Parameters<typeof operationCost>): number {
  try {
    return operationCost(...args);
  } catch {
    return 0;
  }
}

/** Documents (and variables) seen recently: weighed and checked once per process, not per request. */
const REMEMBERED = 1_000;
/** Variables longer than this as JSON are weighed every time rather than kept as a key. */
const MAX_VARIABLES_KEY = 1_024;

/**
 * Apollo Server stays the protocol layer (parsing, validation, persisted queries, errors); it
 * hands every operation to this executor, which runs it inside the request's scope. Apollo's
 * gateway interface is its supported hook for replacing execution.
 */
export function scopedExecution(schema: GraphQLSchema, executor: Executor): GatewayInterface {
  const listeners = new Set<GatewaySchemaLoadOrUpdateCallback>();
  // A document's text never changes under its hash: its literals are checked once. Its cost
  // depends on the variables too (page sizes), so it is kept per document and variables.
  const storable = new LRUCache<string, true>({ max: REMEMBERED });
  const costs = new LRUCache<string, number>({ max: REMEMBERED });
  const scoped: GatewayExecutor = async (rc) => {
    const ctx = rc.context as RequestContext;
    if (rc.operation.operation === 'subscription') {
      throw AppError.request('BAD_USER_INPUT', 'Subscriptions are not served over HTTP');
    }
    assertStorableVariables(rc.request.variables);
    if (!storable.has(rc.queryHash)) {
      assertStorableLiterals(rc.document);
      storable.set(rc.queryHash, true);
    }
    const variables = JSON.stringify(rc.request.variables ?? {});
    const key = variables.length <= MAX_VARIABLES_KEY ? `${rc.queryHash}:${rc.operationName ?? ''}:${variables}` : null;
    let cost = key === null ? undefined : costs.get(key);
    if (cost === undefined) {
      cost = costOf(schema, rc.document, rc.request.variables, rc.operationName);
      if (key !== null) costs.set(key, cost);
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
