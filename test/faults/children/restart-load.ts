import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../../src/db/client.js';
import { assets } from '../../../src/db/schema/index.js';
import { withTenantTransaction } from '../../../src/tenancy/tenant-transaction.js';

/**
 * Gateway-like load through the gateway's own pool (`openDatabase`): reads, and asset inserts in
 * tenant transactions held open for a few milliseconds, from 20 workers until stdin closes.
 * Prints "ready" once every worker has succeeded once, then one JSON line with the outcome.
 */
const [url, tenantId] = process.argv.slice(2) as [string, string];
const handle = await openDatabase({ url, dataDir: '', poolSize: 10, prepare: true });
const { db } = handle;

type Failure = { start: number; end: number; code: string; message: string };
const failures: Failure[] = [];
let ok = 0;
let slowest = 0;
let finishing = false;
process.stdin.on('end', () => (finishing = true)).resume();

const read = () =>
  withTenantTransaction(db, { tenantId, readOnly: true }, (tx) =>
    tx.execute(sql`select count(*) from assets, pg_sleep(0.005)`),
  );
const createAsset = () =>
  withTenantTransaction(db, { tenantId }, async (tx) => {
    await tx.insert(assets).values({ tenantId, name: randomUUID(), uri: 'https://x.test/', mimetype: 'webpage' });
    await tx.execute(sql`select pg_sleep(0.005)`);
  });

const driverCode = (err: unknown): { code: string; message: string } => {
  // Drizzle wraps the driver's error ("Failed query: …") and keeps it as the cause.
  const e = ((err as { cause?: unknown }).cause ?? err) as { code?: string; message?: string };
  return { code: e.code ?? 'none', message: e.message ?? String(e) };
};

let warmed = 0;
const worker = async (i: number) => {
  let first = true;
  while (!finishing) {
    const start = Date.now();
    try {
      await (i % 2 ? createAsset() : read());
      ok++;
      if (first && ++warmed === 20) process.stdout.write('ready\n');
      first = false;
    } catch (err) {
      failures.push({ start, end: Date.now(), ...driverCode(err) });
      await new Promise((r) => setTimeout(r, 10));
    }
    slowest = Math.max(slowest, Date.now() - start);
  }
};
await Promise.all(Array.from({ length: 20 }, (_, i) => worker(i)));
await handle.close();
process.stdout.write(`${JSON.stringify({ ok, slowest, failures })}\n`);
