import client from 'prom-client';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { KeyValueStore } from '../cache/kv-store.js';
import type { Gates } from '../limits/concurrency.js';
import type { Limiter } from '../limits/limiter.js';
import type { GateName, LimitName } from '../limits/policies.js';
import { playlistLookups } from '../modules/devices/playlist-cache.js';
import type { RequestTrace } from '../tenancy/request-trace.js';
import { operationLabel } from './operation.js';

/** What the metrics read at scrape time: each keeps plain counters, so a request pays no more than an increment. */
export type MetricSources = {
  gates: Gates<GateName>;
  limiter: Limiter<LimitName>;
  bus: InvalidationBus;
  store: KeyValueStore;
  poolSize: number;
};

// Process metrics (CPU, memory, event-loop lag, GC) are the process's: registered once, however many apps it runs.
let processRegistry: client.Registry | undefined;
function processMetrics(): client.Registry {
  if (!processRegistry) {
    processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Sets a counter to running totals kept elsewhere (collected at scrape time). */
function totals(counter: client.Counter<string>, values: [client.LabelValues<string>, number][]): void {
  counter.reset();
  for (const [labels, value] of values) counter.inc(labels, value);
}

/**
 * The gateway's Prometheus metrics. Labels come from bounded sets only (operation names of the
 * trusted manifest, error codes, cache and limit names): never a tenant, a user or a client's text.
 */
export class Metrics {
  readonly registry = new client.Registry();
  private readonly requests: client.Counter<'operation' | 'outcome'>;
  private readonly duration: client.Histogram<'operation'>;
  private readonly statements: client.Histogram<'operation'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    processMetrics();
    this.requests = new client.Counter({
      name: 'anthias_graphql_requests_total',
      help: 'GraphQL requests by operation (trusted documents by name, others "adhoc") and outcome (ok, or the first error code).',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.duration = new client.Histogram({
      name: 'anthias_graphql_request_duration_seconds',
      help: 'Time from receiving a GraphQL request to sending its response.',
      labelNames: ['operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.statements = new client.Histogram({
      name: 'anthias_graphql_sql_statements',
      help: 'SQL statements one GraphQL request issued (BEGIN and COMMIT included).',
      labelNames: ['operation'],
      buckets: [0, 1, 2, 3, 4, 6, 8, 12, 16, 32, 64],
      registers,
    });
    const { gates, limiter, bus, store, poolSize } = sources;
    new client.Gauge({
      name: 'anthias_db_pool_connections',
      help: 'Database pool: connections in use, requests waiting for one, and the pool size.',
      labelNames: ['state'],
      registers,
      collect() {
        const { held, waiting } = gates.load('connections.pool', 'all');
        this.set({ state: 'in_use' }, held);
        this.set({ state: 'waiting' }, waiting);
        this.set({ state: 'size' }, poolSize);
      },
    });
    new client.Counter({
      name: 'anthias_cache_lookups_total',
      help: 'In-process cache and playlist cache lookups, by cache and result (hit or miss).',
      labelNames: ['cache', 'result'],
      registers,
      collect() {
        const values: [client.LabelValues<string>, number][] = [];
        for (const [cache, local] of bus.named()) values.push([{ cache, result: 'hit' }, local.hits], [{ cache, result: 'miss' }, local.misses]);
        values.push([{ cache: 'playlists', result: 'hit' }, playlistLookups.hits], [{ cache: 'playlists', result: 'miss' }, playlistLookups.misses]);
        totals(this, values);
      },
    });
    new client.Counter({
      name: 'anthias_limit_refusals_total',
      help: 'Requests refused by a rate limit (kind "rate") or a fair-share cap (kind "concurrency"), by limit name.',
      labelNames: ['limit', 'kind'],
      registers,
      collect() {
        totals(this, [
          ...[...limiter.refusals].map(([limit, n]): [client.LabelValues<string>, number] => [{ limit, kind: 'rate' }, n]),
          ...[...gates.refusals].map(([limit, n]): [client.LabelValues<string>, number] => [{ limit, kind: 'concurrency' }, n]),
        ]);
      },
    });
    new client.Gauge({
      name: 'anthias_store_available',
      help: 'Whether the key-value store answers (0 while Redis is down and its breaker is open).',
      labelNames: ['store'],
      registers,
      collect() {
        this.set({ store: store.kind }, store.available ? 1 : 0);
      },
    });
  }

  /** One GraphQL request, once its response is sent. */
  request(trace: RequestTrace, response: { status: number; durationMs: number }): void {
    const operation = operationLabel(trace);
    this.requests.inc({ operation, outcome: trace.errorCodes[0] ?? (response.status < 400 ? 'ok' : 'failed') });
    this.duration.observe({ operation }, response.durationMs / 1000);
    this.statements.observe({ operation }, trace.statements);
  }

  /** The exposition text: this gateway's metrics, then the process's. */
  async scrape(): Promise<string> {
    return (await this.registry.metrics()) + (await processMetrics().metrics());
  }

  readonly contentType = this.registry.contentType;
}
