import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/children.js';
import { tenantDomains } from '../../src/db/schema/index.js';
import { type Harness, type SeededTenant, startHarness, uniq } from '../support/harness.js';

// Debian's Caddy (2.6) in front of the gateway, as docs/deploy.md sets it up, with Caddy's own
// local CA (`tls internal`) standing in for an ACME CA: on-demand certificates are issued only
// for the hosts the gateway's /tls/ask allows. Runs when CADDY_BIN names the binary (.ci/run).
const caddyBin = process.env.CADDY_BIN;

describe.runIf(caddyBin)('Caddy on-demand TLS through the gateway', () => {
  let h: Harness;
  let tenant: SeededTenant;
  let caddy: ChildProcess;
  let dir: string;
  let httpsPort: number;
  let rootCa: string;
  const verified = `${uniq('signs')}.example.org`;
  const pending = `${uniq('pending')}.example.org`;

  beforeAll(async () => {
    h = await startHarness();
    await h.app.internal.listen({ port: 0, host: '127.0.0.1' });
    tenant = await h.seedTenant();
    await h.admin.insert(tenantDomains).values([
      { tenantId: tenant.id, hostname: verified, verificationToken: 'v', verifiedAt: new Date() },
      { tenantId: tenant.id, hostname: pending, verificationToken: 'p' },
    ]);
    dir = mkdtempSync(join(tmpdir(), 'anthias-caddy-'));
    httpsPort = await freePort();
    const internal = h.app.internal.server.address() as { port: number };
    const gateway = new URL(h.url);
    // Caddy 2.6 syntax: `ask` inside on_demand_tls (2.7+ also takes `permission http`).
    writeFileSync(
      join(dir, 'Caddyfile'),
      `{
  admin off
  skip_install_trust
  http_port ${await freePort()}
  https_port ${httpsPort}
  storage file_system ${join(dir, 'storage')}
  on_demand_tls {
    ask http://127.0.0.1:${internal.port}/tls/ask
  }
}

https:// {
  tls internal {
    on_demand
  }
  reverse_proxy ${gateway.host}
}
`,
    );
    caddy = spawn(caddyBin!, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], {
      env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    caddy.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    // Caddy makes its local CA when it provisions TLS; it is ready once the root exists and it listens.
    const rootPath = join(dir, 'storage', 'pki', 'authorities', 'local', 'root.crt');
    for (let i = 0; i < 150 && !(existsSync(rootPath) && log.includes('serving initial configuration')); i++) {
      if (caddy.exitCode !== null) throw new Error(`caddy exited: ${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!existsSync(rootPath)) throw new Error(`caddy did not start: ${log}`);
    rootCa = readFileSync(rootPath, 'utf8');
  });

  afterAll(async () => {
    if (caddy && caddy.exitCode === null) {
      caddy.kill('SIGTERM');
      await once(caddy, 'exit');
    }
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** POST /graphql to Caddy on loopback with `host` as SNI and Host, trusting only Caddy's CA. */
  const viaCaddy = (host: string) =>
    new Promise<{ status: number; body: string; cert: PeerCertificate }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: httpsPort, servername: host, path: '/graphql', method: 'POST', ca: rootCa, headers: { host, 'content-type': 'application/json' }, timeout: 20_000 },
        (res) => {
          const cert = (res.socket as TLSSocket).getPeerCertificate();
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cert }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end(JSON.stringify({ query: '{ currentTenant { subdomain } }' }));
    });

  it('issues a certificate for a verified custom domain and proxies /graphql to the gateway', async () => {
    const res = await viaCaddy(verified);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ data: { currentTenant: { subdomain: tenant.subdomain } } });
    expect(res.cert.subjectaltname).toBe(`DNS:${verified}`);
  });

  it("issues one for an active tenant's subdomain of BASE_DOMAIN", async () => {
    const res = await viaCaddy(`${tenant.subdomain}.signage.test`);
    expect(JSON.parse(res.body)).toEqual({ data: { currentTenant: { subdomain: tenant.subdomain } } });
  });

  it('issues none for a domain that is not verified, nor for an unknown one: the handshake fails', async () => {
    for (const host of [pending, `${uniq('nobody')}.example.org`]) {
      await expect(viaCaddy(host), host).rejects.toThrow(/alert|handshake|socket hang up|ECONNRESET/i);
    }
  });
});
