import { createRequire } from 'node:module';
import postgresEsm from 'postgres';

/**
 * The `postgres` driver alone, in its own process, through either build Node can load:
 * `esm` (what `import` resolves to, as the gateway loads it) or `cjs` (what `require` resolves to).
 * Prints one JSON line with each step's outcome: a value, or the error's code.
 */
const [scenario, url, build] = process.argv.slice(2) as [string, string, 'esm' | 'cjs'];
const require = createRequire(import.meta.url);
const postgres = build === 'cjs' ? (require('postgres') as typeof postgresEsm) : postgresEsm;
const loaded = build === 'cjs' ? require.resolve('postgres') : import.meta.resolve('postgres');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const outcome = (e: unknown) => (e as { code?: string }).code ?? String(e);
const report = (result: object) => process.stdout.write(`${JSON.stringify({ loaded, ...result })}\n`);

// One connection: the query after a fault reuses the very connection the fault hit.
const sql = postgres(url, { max: 1, onnotice: () => {} });

if (scenario === 'statement-after-close' || scenario === 'statement-at-close') {
  // The transaction's backend is terminated. Its next statement is issued once the driver has
  // seen the socket close (the reported crash: a write scheduled on a null socket), or at once,
  // while the server resets the connection; either way the driver's ROLLBACK follows it.
  const killer = postgres(url, { max: 1 });
  let body: Promise<unknown> = Promise.resolve();
  const transaction = await sql
    .begin((tx) => (body = (async () => {
      const [row] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
      await killer`select pg_terminate_backend(${row!.pid})`;
      if (scenario === 'statement-after-close') await sleep(300);
      await tx`select 1`;
    })()))
    .then(() => 'committed', outcome);
  // begin() rejects as soon as the connection closes; the body (and the ROLLBACK after it) goes
  // on, as a request's resolvers do, while the pool stays open.
  const statement = await body.then(() => 'ok', outcome);
  await sleep(100);
  const after = await sql<{ x: number }[]>`select 1 as x`.then((r) => r[0]!.x, outcome);
  await killer.end();
  await sql.end();
  report({ transaction, statement, after });
} else if (scenario === 'reserved-after-close') {
  // A reserved connection is pinned to its caller, who may use it after its socket closed.
  const killer = postgres(url, { max: 1 });
  const reserved = await sql.reserve();
  const [row] = await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`;
  await killer`select pg_terminate_backend(${row!.pid})`;
  await sleep(300);
  const statement = await reserved`select 1`.then(() => 'ok', outcome);
  await sleep(100);
  await killer.end();
  await sql.end();
  report({ statement });
} else if (scenario === 'type-fetch') {
  // The test's proxy resets the first connection while the driver fetches array types.
  const first = await sql`select 1 as x`.then(() => 'ok', outcome);
  const second = await sql<{ x: number }[]>`select 2 as x`.then((r) => r[0]!.x, outcome);
  await sql.end();
  report({ first, second });
} else {
  throw new Error(`unknown scenario ${scenario}`);
}
