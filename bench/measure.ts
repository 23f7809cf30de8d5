import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { Sql } from 'postgres';
import { type Call, checkData, type Op } from './workload.js';

/** Every request this tool sends must stay on this machine. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== '[::1]' && host !== 'localhost') throw new Error(`refusing non-loopback target ${url}`);
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU of a process (all its threads), in ms; null once it has gone. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is 3rd, utime 14th, stime 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

export function rssMb(pid: number): number | null {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * CPU of the PostgreSQL backends serving one application (by application_name), keyed by pid:
 * the database's share of each request, which the server's own CPU does not show.
 */
export async function backendCpu(admin: Sql, database: string, application: string): Promise<Map<number, number>> {
  const rows = await admin<{ pid: number }[]>`
    select pid from pg_stat_activity where datname = ${database} and application_name = ${application}`;
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const ms = cpuMs(pid);
    if (ms !== null) cpu.set(pid, ms);
  }
  return cpu;
}

/** CPU the backends used between two snapshots; a backend that appeared in between counts from zero. */
export const backendDelta = (before: Map<number, number>, after: Map<number, number>): number =>
  [...after].reduce((sum, [pid, ms]) => sum + ms - (before.get(pid) ?? 0), 0);

/**
 * Sends a few requests with fetch and fails loudly on anything but a clean 200 with the expected
 * data and a statement count in Server-Timing; returns the data.
 */
export async function sample(base: string, op: Op, next: () => Call, count = 3): Promise<unknown[]> {
  const data: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const call = next();
    const url = new URL(call.path, base).toString();
    assertLoopback(url);
    const res = await fetch(url, { method: call.method, headers: call.headers, body: call.body, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let body: { data?: unknown; errors?: unknown[] } | null;
    try {
      body = JSON.parse(text) as { data?: unknown; errors?: unknown[] };
    } catch {
      body = null;
    }
    const problem =
      res.status !== 200 ? `HTTP ${res.status}`
      : !body ? 'a body that is not JSON'
      : body.errors?.length ? 'GraphQL errors'
      : checkData(op, body.data);
    if (problem) throw new Error(`${op} sample from ${base} returned ${problem}: ${text.slice(0, 600)}`);
    if (!/dur=\d+/.test(res.headers.get('server-timing') ?? '')) throw new Error(`${op} sample from ${base} has no statement count in server-timing`);
    data.push(body!.data);
  }
  return data;
}

export type LoadResult = {
  requests: number;
  reqPerSec: number;
  latencies: number[];
  errors: number;
  non2xx: number;
  graphqlErrors: number;
  statements: { sum: number; count: number };
};

/** Latencies kept per run; well above what 2 cores can answer in the longest allowed run. */
const MAX_LATENCIES = 2_000_000;

/**
 * One autocannon run; each request comes from `next`, so credentials rotate on every request.
 * With `amount` it sends that many requests instead, stopped after `duration` seconds at most.
 */
export function load(
  base: string,
  next: () => Call,
  opts: { connections: number; duration: number; amount?: number },
  onTick?: (elapsed: number) => void,
): { done: Promise<LoadResult>; stop: () => void } {
  assertLoopback(base);
  const result: LoadResult = {
    requests: 0, reqPerSec: 0, latencies: [], errors: 0, non2xx: 0, graphqlErrors: 0, statements: { sum: 0, count: 0 },
  };
  let elapsed = 0;
  const startedAt = Date.now();
  let lastAt = startedAt;
  let instance: autocannon.Instance | undefined;
  const ticker = setInterval(() => {
    onTick?.(++elapsed);
    if (opts.amount !== undefined && elapsed >= opts.duration) instance?.stop();
  }, 1_000);
  const done = new Promise<LoadResult>((resolve, reject) => {
    instance = autocannon(
      {
        url: base,
        connections: opts.connections,
        ...(opts.amount === undefined ? { duration: opts.duration } : { amount: opts.amount }),
        timeout: 10,
        requests: [
          {
            setupRequest: (req) => ({ ...req, ...next() }),
            onResponse: (_status, body, _ctx, headers) => {
              // A cheap check on every response; the fetch samples parse whole bodies.
              if (body.includes('"errors":')) result.graphqlErrors++;
              const timing = headers?.['server-timing'];
              const dur = typeof timing === 'string' ? /dur=(\d+)/.exec(timing)?.[1] : undefined;
              if (dur !== undefined) {
                result.statements.sum += Number(dur);
                result.statements.count++;
              }
            },
          },
        ],
      },
      (err: unknown, r) => {
        clearInterval(ticker);
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        result.requests = r.requests.total;
        // autocannon notices a reached `amount` only on its next 1 s tick: time to the last response instead.
        result.reqPerSec = r.requests.total / Math.max((lastAt - startedAt) / 1000, 0.001);
        result.errors = r.errors + r.timeouts;
        result.non2xx = r.non2xx;
        resolve(result);
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      lastAt = Date.now();
      if (result.latencies.length < MAX_LATENCIES) result.latencies.push(responseTime);
    });
  });
  return { done, stop: () => instance?.stop() };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
