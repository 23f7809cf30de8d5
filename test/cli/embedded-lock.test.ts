import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { Client, startGateway } from '../support/gateway-process.js';

// The embedded database (PGlite in DATA_DIR) belongs to one process: a second opener works on a
// copy of the files and its writes are lost. Whatever engine the run uses, this is about PGlite.
const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'anthias-lock-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const cli = (dir: string, ...args: string[]) => runCli(args, { DATA_DIR: dir, LOG_LEVEL: 'warn' });

describe('one process at a time on the embedded database', () => {
  it('a command refuses the DATA_DIR a running gateway holds, writes nothing, and works once it stopped', { timeout: 300_000 }, async () => {
    const dir = dataDir();
    const gateway = await startGateway({ DATA_DIR: dir, NODE_ENV: 'development', LOG_LEVEL: 'info' }, 180_000);
    const client = new Client(gateway.base);
    try {
      const refused = await cli(dir, 'suspend-tenant', 'demo', '--reason', 'lost write');
      expect(refused.code).toBe(2);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toMatch(/^error: the embedded database in .+ is in use by process \d+/);
      expect(refused.stdout).toBe('');
      const served = await client.gql('current', '{ currentTenant { subdomain } }', {}, { 'x-tenant-id': 'demo' });
      expect(served.json?.data).toEqual({ currentTenant: { subdomain: 'demo' } });
    } finally {
      client.close();
      expect((await gateway.stop()).code).toBe(0);
    }
    // Released on exit: the command now opens it, and finds the tenant as the gateway left it.
    const valid = await cli(dir, 'validate-tenant', 'demo');
    expect(valid.stdout).toMatch(/^active\s+ok\s+active$/m);
    expect((await cli(dir, 'suspend-tenant', 'demo', '--reason', 'now it holds')).code).toBe(0);
    expect((await cli(dir, 'validate-tenant', 'demo')).stdout).toMatch(/^active\s+FAIL\s+suspended$/m);
  });

  it('a lock left by a process that is gone is taken over', { timeout: 120_000 }, async () => {
    const dir = dataDir();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'anthias.lock'), `${gone.stdout}\n`);
    expect(await cli(dir, 'migrate')).toMatchObject({ code: 0 });
    expect(await cli(dir, 'list-tenants')).toMatchObject({ code: 0, stdout: '' });
  });
});
