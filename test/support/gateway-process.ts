import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../bench/children.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const OUTPUT_LIMIT = 1_000_000;

export type GatewayExit = { code: number | null; signal: NodeJS.Signals | null; at: number };

export type GatewayProcess = {
  /** http://127.0.0.1:<port> */
  readonly base: string;
  readonly pid: number;
  readonly exit: Promise<GatewayExit>;
  /** Its stdout and stderr so far (JSON log lines at the level asked), for assertions and failures. */
  output(): { stdout: string; stderr: string };
  alive(): boolean;
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<GatewayExit>;
};

const running = new Set<GatewayProcess>();
process.once('exit', () => running.forEach((g) => g.alive() && g.signal('SIGKILL')));

/**
 * The real gateway (`src/main.ts`, as `npm start` runs it) in its own process, so a crash shows
 * as an exit and a shutdown can be timed. Resolves once /readyz answers 200; bounded in time.
 */
export async function startGateway(env: Record<string, string>, readyWithinMs = 60_000): Promise<GatewayProcess> {
  const port = await freePort();
  const internalPort = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), INTERNAL_PORT: String(internalPort), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stdout.on('data', (d: Buffer) => stdout.length < OUTPUT_LIMIT && (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => stderr.length < OUTPUT_LIMIT && (stderr += d.toString()));
  const exit = new Promise<GatewayExit>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = true;
      running.delete(gateway);
      resolve({ code, signal, at: Date.now() });
    }),
  );
  const gateway: GatewayProcess = {
    base: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    exit,
    output: () => ({ stdout, stderr }),
    alive: () => !exited,
    signal: (signal) => {
      if (!exited) child.kill(signal);
    },
    async stop(graceMs = 10_000) {
      gateway.signal('SIGTERM');
      const timer = setTimeout(() => gateway.signal('SIGKILL'), graceMs);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
  };
  running.add(gateway);

  const deadline = Date.now() + readyWithinMs;
  for (let attempt = 0; attempt < 600 && Date.now() < deadline; attempt++) {
    if (exited) throw new Error(`the gateway exited during start-up:\n${stdout}\n${stderr}`);
    const ready = await fetch(`${gateway.base}/readyz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
    if (ready) return gateway;
    await sleep(200);
  }
  await gateway.stop(2_000);
  throw new Error(`the gateway was not ready within ${readyWithinMs} ms:\n${stdout}\n${stderr}`);
}

/** One answered (or failed) request, timed. */
export type Sample = {
  kind: string;
  start: number;
  end: number;
  ms: number;
  status: number;
  /** The first GraphQL error's code, or the transport error's (ECONNRESET, TIMEOUT, …). */
  code?: string;
  /** The response names a stack frame: never allowed. */
  stack: boolean;
  json?: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
};

const REQUEST_TIMEOUT_MS = 20_000;

/**
 * One HTTP client with its own keep-alive connection (one socket): what a pooled API client or
 * a screen holds. Every request is bounded: past 20 s it counts as TIMEOUT (a hang).
 */
export class Client {
  readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(private readonly base: string) {}

  send(kind: string, path: string, init: { method?: 'GET' | 'POST'; body?: unknown; headers?: Record<string, string> } = {}): Promise<Sample> {
    const start = Date.now();
    const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
    return new Promise((resolve) => {
      const done = (status: number, text: string, code?: string) => {
        const end = Date.now();
        let json: Sample['json'];
        try {
          json = text ? (JSON.parse(text) as Sample['json']) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ kind, start, end, ms: end - start, status, code: code ?? json?.errors?.[0]?.extensions?.code, stack: /\n\s+at\s/.test(text), json });
      };
      const req = request(
        `${this.base}${path}`,
        {
          method: init.method ?? 'POST',
          agent: this.agent,
          headers: {
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
            accept: 'application/graphql-response+json, application/json;q=0.9',
            ...init.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
          res.on('error', (err: NodeJS.ErrnoException) => done(0, '', err.code ?? err.message));
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => done(0, '', err.code ?? err.message));
      req.end(payload);
    });
  }

  gql(kind: string, query: string, variables: Record<string, unknown> | undefined, headers: Record<string, string>): Promise<Sample> {
    return this.send(kind, '/graphql', { body: { query, variables }, headers });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Succeeded: 200 and data without errors. */
export const ok = (s: Sample): boolean => s.status === 200 && !!s.json?.data && !s.json.errors?.length;

/** The p-th percentile (0–100) of the durations, nearest rank. */
export function percentile(samples: Sample[], p: number): number {
  if (!samples.length) return NaN;
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const latencies = (samples: Sample[]) => ({ n: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99), max: percentile(samples, 100) });

/**
 * Closed-loop load: `clients` clients, each sending its next request when the last one answered,
 * until `stop(its index)` says so; bounded by `maxPerClient` requests each and by `maxMs`.
 */
export async function drive(
  clients: Client[],
  next: (client: Client, index: number, n: number) => Promise<Sample>,
  bounds: { stop: (index: number) => boolean; maxPerClient: number; maxMs: number; /** Filled as answers come. */ samples?: Sample[] },
): Promise<Sample[]> {
  const samples = bounds.samples ?? [];
  const deadline = Date.now() + bounds.maxMs;
  await Promise.all(
    clients.map(async (client, index) => {
      for (let n = 0; n < bounds.maxPerClient && Date.now() < deadline && !bounds.stop(index); n++) samples.push(await next(client, index, n));
    }),
  );
  return samples;
}
