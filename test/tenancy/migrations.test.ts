import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { schemaFingerprint } from '../support/fingerprint.js';
import { type Harness, startHarness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

it('applying the migrations again changes nothing (on the engine of this run)', async () => {
  const before = await schemaFingerprint(h.admin);
  const config = h.app.deps.config;
  if (h.app.deps.database.kind === 'pglite') {
    await h.app.deps.database.migrate();
  } else {
    const owner = await openDatabase({ ...config.db, url: config.db.migrationUrl, poolSize: 1 });
    await owner.migrate();
    await owner.close();
  }
  expect(await schemaFingerprint(h.admin)).toBe(before);
});

it('applying the migrations twice on a fresh embedded database changes nothing', async () => {
  const fresh = await openDatabase({ dataDir: 'memory://', poolSize: 1, prepare: true });
  await fresh.migrate();
  const once = await schemaFingerprint(fresh.db);
  await fresh.migrate();
  expect(await schemaFingerprint(fresh.db)).toBe(once);
  expect(once).toContain('tenant_isolation');
  await fresh.close();
});
