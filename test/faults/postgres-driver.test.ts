import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { rows } from '../../src/db/rows.js';
import { type FaultProxy, type PostgresCluster, startPostgres, startProxy } from '../support/fault-services.js';
import { lastJson, startNodeChild } from '../support/node-child.js';

/*
 * Defects of the `postgres` driver 3.4.9 that patches/postgres+3.4.9.patch repairs. Each fault is
 * made at an exact point, on a private cluster; the driver runs in a child process, because the
 * defects end that process (an exception thrown from a setImmediate, an unhandled rejection).
 */

let pg: PostgresCluster;
let proxy: FaultProxy;

beforeAll(async () => {
  pg = await startPostgres();
  proxy = await startProxy(pg.port);
});
afterAll(async () => {
  await proxy?.close();
  await pg?.destroy();
});

const runDriver = (scenario: string, url: string, build: 'esm' | 'cjs') =>
  startNodeChild('test/faults/children/driver.ts', [scenario, url, build], 45_000).exit;

// A child process starts slowly on a loaded machine: each gets 45 s, each test 60 s.
describe.each(['esm', 'cjs'] as const)('the %s build', { timeout: 60_000 }, (build) => {
  it.each(['statement-after-close', 'statement-at-close'])('settles a transaction whose backend dies (%s), and the process lives on', async (scenario) => {
    const exit = await runDriver(scenario, pg.url(), build);
    // Unpatched, after the close: "TypeError: Cannot read properties of null (reading 'write') at
    // Immediate.nextWrite" ends the process. At the close: the ROLLBACK written to the dying socket
    // never settles, and end() waits for it forever (Node exits 13: unsettled top-level await).
    expect(exit.stderr).not.toMatch(/TypeError/);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    const result = lastJson<{ loaded: string }>(exit);
    expect(result.loaded).toMatch(build === 'cjs' ? /\/postgres\/cjs\/src\/index\.js$/ : /\/postgres\/src\/index\.js$/);
    expect(result).toMatchObject({ transaction: 'CONNECTION_CLOSED', statement: expect.stringMatching(/^(CONNECTION_CLOSED|ECONNRESET)$/), after: 1 });
  });

  it('fails a query on a reserved connection whose socket closed, and the process lives on', async () => {
    const exit = await runDriver('reserved-after-close', pg.url(), build);
    // Unpatched: the same TypeError from Immediate.nextWrite (upstream issue #1208).
    expect({ code: exit.code, signal: exit.signal, stderr: exit.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(lastJson(exit)).toMatchObject({ statement: 'CONNECTION_CLOSED' });
  });

  it('fails only the waiting query when the connection is reset while it fetches array types', async () => {
    const cut = proxy.cutOn('pg_type', 'reset');
    const exit = await runDriver('type-fetch', proxy.url(pg.url()), build);
    await cut;
    // Unpatched: the type fetch's rejection is unhandled, and Node ends the process.
    expect({ code: exit.code, signal: exit.signal, stderr: exit.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(lastJson(exit)).toMatchObject({ first: 'ECONNRESET', second: 2 });
  });
});

it("does not fail a later query with the error that ended a connection's previous socket", async () => {
  // One connection: the query after the cut reconnects the very connection the cut ended.
  const handle = await openDatabase({ url: pg.url(), dataDir: '', poolSize: 1, prepare: true });
  const killer = postgres(pg.url(), { max: 1, onnotice: () => {} });
  try {
    const [row] = await rows<{ pid: number }>(handle.db, sql`select pg_backend_pid() as pid`);
    const busy = handle.db.execute(sql`select pg_sleep(10)`).catch((e: { cause?: { code?: string } }) => e.cause?.code);
    await killer`select pg_sleep(0.2), pg_terminate_backend(${row!.pid})`;
    expect(await busy).toBe('CONNECTION_CLOSED');
    // Unpatched: rejected with the stale "57P01 terminating connection due to administrator command".
    const [next] = await rows<{ x: number }>(handle.db, sql`select 1 as x`);
    expect(next).toEqual({ x: 1 });
  } finally {
    await killer.end();
    await handle.close();
  }
});
