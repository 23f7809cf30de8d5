import { type LoadResult, percentile } from './measure.js';
import type { Op, Target } from './workload.js';

/** One measured run of one target and operation. */
export type Run = LoadResult & { cpuMs: number; dbCpuMs: number; rssBefore: number; rssAfter: number };

export type Summary = {
  reqPerSec: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  statements: number;
  cpuPerReq: number;
  dbCpuPerReq: number;
  rssStart: number;
  rssEnd: number;
};

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

/** req/s is the mean over rounds; latency percentiles are over every response of every round. */
export function summarise(runs: Run[]): Summary {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const requests = runs.reduce((n, r) => n + r.requests, 0);
  const statements = runs.reduce((s, r) => ({ sum: s.sum + r.statements.sum, count: s.count + r.statements.count }), { sum: 0, count: 0 });
  return {
    reqPerSec: mean(runs.map((r) => r.reqPerSec)),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    requests,
    errors: runs.reduce((n, r) => n + r.errors + r.non2xx + r.graphqlErrors, 0),
    statements: statements.count ? statements.sum / statements.count : Number.NaN,
    cpuPerReq: runs.reduce((n, r) => n + r.cpuMs, 0) / Math.max(requests, 1),
    dbCpuPerReq: runs.reduce((n, r) => n + r.dbCpuMs, 0) / Math.max(requests, 1),
    rssStart: runs[0]?.rssBefore ?? Number.NaN,
    rssEnd: runs.at(-1)?.rssAfter ?? Number.NaN,
  };
}

/** req/s against the raw SQL baseline (list, create; the playlist is cached, so above it). */
export const TARGETS: Record<Op, number> = { list: 0.6, playlist: 1.5, create: 0.75 };
/** The cached playlist against the Redis-GET baseline, the bound for a cached answer. */
export const CACHED_TARGET = 0.6;
/** The first pass (one request per credential, cold caches) of `list` against the baseline's. */
export const FIRST_PASS_TARGET = 0.5;
export const P99_LIMIT = 2;

const num = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/** A Markdown table whose columns are padded, so it also reads well in a terminal. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** One operation: the gateway against the raw baseline and, for the playlist, the Redis-GET baseline. */
export type Comparison = { op: Op; gateway: Summary; baseline: Summary; redis?: Summary };
/** First-pass req/s per operation and target. */
export type FirstPass = Partial<Record<Op, Partial<Record<Target, number>>>>;

const BASELINES: { key: 'baseline' | 'redis'; label: string }[] = [
  { key: 'baseline', label: 'raw SQL' },
  { key: 'redis', label: 'Redis GET' },
];

export function resultsTable(rows: Comparison[]): string {
  return table(
    ['op', 'baseline', 'gw req/s', 'base req/s', 'ratio', 'gw p50/p99 ms', 'base p50/p99 ms', 'p99 ratio', 'errors gw/base',
      'stmts/req gw/base', 'CPU ms/req gw/base', 'DB CPU ms/req gw/base', 'gw RSS MB start→end', 'base RSS MB start→end'],
    rows.flatMap((row) => BASELINES.flatMap(({ key, label }) => {
      const g = row.gateway;
      const b = row[key];
      if (!b) return [];
      return [[
        row.op,
        label,
        num(g.reqPerSec),
        num(b.reqPerSec),
        `${num(g.reqPerSec / b.reqPerSec, 2)}×`,
        `${num(g.p50, 1)} / ${num(g.p99, 1)}`,
        `${num(b.p50, 1)} / ${num(b.p99, 1)}`,
        `${num(g.p99 / b.p99, 2)}×`,
        `${g.errors} / ${b.errors}`,
        `${num(g.statements, 1)} / ${num(b.statements, 1)}`,
        `${num(g.cpuPerReq, 2)} / ${num(b.cpuPerReq, 2)}`,
        `${num(g.dbCpuPerReq, 2)} / ${num(b.dbCpuPerReq, 2)}`,
        `${num(g.rssStart)} → ${num(g.rssEnd)}`,
        `${num(b.rssStart)} → ${num(b.rssEnd)}`,
      ]];
    })),
  );
}

export function targetsTable(rows: Comparison[], firstPass: FirstPass): { text: string; missed: number } {
  let missed = 0;
  const verdict = (ok: boolean) => {
    if (!ok) missed++;
    return ok ? 'met' : 'MISSED';
  };
  const lines = rows.flatMap(({ op, gateway: g, baseline: b, redis: r }) => {
    const ratio = g.reqPerSec / b.reqPerSec;
    const p99 = g.p99 / b.p99;
    const out = [
      [op, 'req/s vs raw SQL', `≥ ${TARGETS[op]}×`, `${num(ratio, 2)}×`, verdict(ratio >= TARGETS[op])],
      [op, 'p99 vs raw SQL', `≤ ${P99_LIMIT}×`, `${num(p99, 2)}×`, verdict(p99 <= P99_LIMIT)],
    ];
    if (r) {
      const cached = g.reqPerSec / r.reqPerSec;
      const cachedP99 = g.p99 / r.p99;
      out.push(
        [op, 'req/s vs Redis GET', `≥ ${CACHED_TARGET}×`, `${num(cached, 2)}×`, verdict(cached >= CACHED_TARGET)],
        [op, 'p99 vs Redis GET', `≤ ${P99_LIMIT}×`, `${num(cachedP99, 2)}×`, verdict(cachedP99 <= P99_LIMIT)],
      );
    }
    const cold = firstPass[op];
    if (op === 'list' && cold?.gateway !== undefined && cold.baseline !== undefined) {
      const first = cold.gateway / cold.baseline;
      out.push([op, 'first pass req/s vs raw SQL', `≥ ${FIRST_PASS_TARGET}×`, `${num(first, 2)}×`, verdict(first >= FIRST_PASS_TARGET)]);
    }
    return out;
  });
  return { text: table(['op', 'metric', 'target', 'actual', 'verdict'], lines), missed };
}
