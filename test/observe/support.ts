import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import type { Logger } from '../../src/logger.js';

/** A logger at info level whose JSON lines the test reads (the gateway's own redaction included). */
export function captureLog(): { log: Logger; lines(): Record<string, unknown>[]; raw(): string } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const log = pino({ level: 'info', base: undefined, redact: { paths: ['password', '*.password', 'token', '*.token', 'secret', '*.secret'], censor: '[redacted]' } }, sink);
  return {
    log,
    raw: () => text,
    lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export type Received = { method: string; path: string; headers: Record<string, string | string[] | undefined>; body: Buffer };

/** A local HTTP endpoint (Sentry's ingest, an OTLP receiver) that records what it is sent, on loopback. */
export async function startReceiver(): Promise<{ url: string; port: number; received: Received[]; waitFor(pred: (r: Received) => boolean, ms?: number): Promise<Received>; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    async waitFor(pred, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const found = received.find(pred);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`nothing matching arrived within ${ms} ms (${received.length} requests: ${received.map((r) => r.path).join(', ')})`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One sample of a Prometheus text exposition: the value of `name` whose labels include `labels` (0 when absent). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}
