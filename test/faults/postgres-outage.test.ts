import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { createTenant } from '../../src/modules/tenants/tenant-admin.service.js';
import { type PostgresCluster, startPostgres } from '../support/fault-services.js';
import { uniq } from '../support/harness.js';
import { lastJson, startNodeChild } from '../support/node-child.js';

/*
 * The gateway's pool (openDatabase) through PostgreSQL outages on a private cluster: it fails
 * requests with connection errors while the server is away, never crashes, and serves again
 * once the server is back, without a restart and without stale errors.
 */

/** What the driver raises while the server stops, restarts, is killed or does not answer. */
const OUTAGE_CODES = ['CONNECTION_CLOSED', 'ECONNRESET', 'ECONNREFUSED', 'CONNECT_TIMEOUT', '57P01', '57P03'];
/** After the server accepts connections again, errors may last this long (a loaded CI machine), not longer. */
const SETTLE_MS = 5_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let pg: PostgresCluster;
let tenantId: string;

beforeAll(async () => {
  pg = await startPostgres();
  const handle = await openDatabase({ url: pg.url(), dataDir: '', poolSize: 2, prepare: true });
  try {
    await handle.migrate();
    const subdomain = uniq('t');
    ({ tenantId } = await createTenant(handle.db, {
      name: `Tenant ${subdomain}`,
      subdomain,
      plan: 'professional',
      ownerEmail: `${subdomain}@example.test`,
      ownerPassword: 'Corr3ct-Horse-Battery',
    }));
  } finally {
    await handle.close();
  }
});
afterAll(async () => {
  await pg?.destroy();
});

type LoadResult = { ok: number; slowest: number; failures: { start: number; end: number; code: string; message: string }[] };

it('survives pg_ctl restart -m fast under load, and every request after it succeeds', async () => {
  const child = startNodeChild('test/faults/children/restart-load.ts', [pg.url(), tenantId], 40_000);
  await child.line('ready');
  await sleep(500);
  await pg.restart('fast');
  const back = Date.now();
  await sleep(SETTLE_MS + 3_000);
  child.finish();
  const exit = await child.exit;

  // Unpatched, the process dies: "TypeError: Cannot read properties of null (reading 'write')".
  expect({ code: exit.code, signal: exit.signal, stderr: exit.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  const result = lastJson<LoadResult>(exit);
  expect(result.failures.length).toBeGreaterThan(0); // the restart did hit requests in flight
  expect(result.failures.filter((f) => !OUTAGE_CODES.includes(f.code))).toEqual([]);
  // Unpatched, "the database system is shutting down" and "terminating connection" still fail
  // requests many seconds later, and requests queue for up to 20 s behind the driver's backoff.
  expect(result.failures.filter((f) => f.end > back + SETTLE_MS)).toEqual([]);
  expect(result.slowest).toBeLessThan(15_000);
}, 60_000);

const codeOf = (err: unknown) => {
  const e = ((err as { cause?: unknown }).cause ?? err) as { code?: string };
  return e.code ?? String(err);
};
const attempt = (handle: DatabaseHandle) => handle.db.execute(sql`select 1`).then(() => 'ok', codeOf);

it('fails fast while the server is stopped or killed, and heals when it is back', async () => {
  const handle = await openDatabase({ url: pg.url(), dataDir: '', poolSize: 4, prepare: true });
  try {
    await Promise.all([1, 2, 3, 4].map(() => handle.db.execute(sql`select pg_sleep(0.05)`)));

    await pg.stop('fast');
    // Refused at once, or closed if the driver has not yet read the close of an idle connection.
    for (const code of await Promise.all([1, 2, 3].map(() => attempt(handle)))) expect(OUTAGE_CODES).toContain(code);
    await pg.start();
    expect(await Promise.all([1, 2, 3, 4, 5, 6].map(() => attempt(handle)))).toEqual(Array(6).fill('ok'));

    const busy = handle.db.execute(sql`select pg_sleep(5)`).then(() => 'ok', codeOf);
    await sleep(200);
    await pg.kill();
    expect(OUTAGE_CODES).toContain(await busy);
    expect(OUTAGE_CODES).toContain(await attempt(handle));
    await pg.start(); // crash recovery first
    expect(await Promise.all([1, 2, 3, 4, 5, 6].map(() => attempt(handle)))).toEqual(Array(6).fill('ok'));
  } finally {
    await handle.close();
  }
});

it('gives up connecting to a server that does not answer, and serves again once it does', async () => {
  const handle = await openDatabase({ url: pg.url(), dataDir: '', poolSize: 2, prepare: true });
  try {
    await handle.db.execute(sql`select 1`); // one open connection; the second is never opened
    pg.pause();
    try {
      const onOpen = attempt(handle);
      const onNew = attempt(handle);
      // The new connection gives up after connect_timeout (5 s; the driver's default is 30 s).
      expect(await onNew).toBe('CONNECT_TIMEOUT');
      // The open connection's query waits: a stopped server still holds its TCP connections.
      expect(await Promise.race([onOpen, sleep(500).then(() => 'waiting')])).toBe('waiting');
      pg.resume();
      expect(await onOpen).toBe('ok');
    } finally {
      pg.resume();
    }
    expect(await Promise.all([1, 2, 3, 4].map(() => attempt(handle)))).toEqual(Array(4).fill('ok'));
  } finally {
    await handle.close();
  }
}, 30_000);
