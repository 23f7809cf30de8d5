import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inArray } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/auth/tokens.js';
import { openDatabase } from '../../src/db/client.js';
import { invitations } from '../../src/db/schema/index.js';
import { Client, type GatewayProcess, startGateway } from '../support/gateway-process.js';
import { PASSWORD } from '../support/harness.js';

// Without SMTP_URL mails go to the log. In production the log is read by people and systems that
// must not be able to accept an invitation (an owner invitation lets its holder choose the password).
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The embedded gateway of a fresh DATA_DIR, with the demo owner signed in and one person invited. */
async function inviteThroughGateway(nodeEnv: 'production' | 'development'): Promise<{ gateway: GatewayProcess; client: Client; log: () => string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'anthias-mail-'));
  dirs.push(dir);
  const gateway = await startGateway({ DATA_DIR: dir, NODE_ENV: nodeEnv, LOG_LEVEL: 'info' }, 180_000);
  const log = () => `${gateway.output().stdout}${gateway.output().stderr}`;
  const client = new Client(gateway.base);
  const password = /Password: (\S+)/.exec(log())?.[1];
  const tenant = { 'x-tenant-id': 'demo' };
  const login = await client.gql('login', 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: 'demo@example.com', p: password }, tenant);
  const invitee = `new-${nodeEnv}@example.test`;
  const token = (login.json?.data?.login as { token: string }).token;
  const invited = await client.gql('invite', 'mutation($e: String!) { inviteMember(email: $e, role: owner) { id } }', { e: invitee }, { ...tenant, authorization: `Bearer ${token}` });
  expect(invited.json?.errors).toBeUndefined();
  // The mail goes out right after the commit; the log line may trail the answer a little.
  await expect.poll(() => log().includes(invitee), { timeout: 10_000 }).toBe(true);
  return { gateway, client, log, dir };
}

describe('mailed tokens and the log', () => {
  it('production without SMTP logs the mail with no usable token in it, and says the mail was not delivered', { timeout: 300_000 }, async () => {
    const { gateway, client, log: output, dir } = await inviteThroughGateway('production');
    client.close();
    expect((await gateway.stop()).code).toBe(0);
    const log = output();
    expect(log).toMatch(/SMTP_URL is not set/);
    // Every run of token characters in the whole log, checked against the stored invitation hashes.
    const candidates = [...new Set(log.match(/[A-Za-z0-9_-]{16,}/g) ?? [])];
    expect(candidates.length).toBeGreaterThan(0);
    const db = await openDatabase({ dataDir: dir, poolSize: 1, prepare: true });
    try {
      const stored = await db.db.select({ id: invitations.id }).from(invitations);
      expect(stored).toHaveLength(1);
      const usable = await db.db.select({ id: invitations.id }).from(invitations).where(inArray(invitations.tokenHash, candidates.map(sha256)));
      expect(usable).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('development still prints the whole mail, and its token is accepted', { timeout: 300_000 }, async () => {
    const { gateway, client, log } = await inviteThroughGateway('development');
    try {
      const token = /acceptInvitation\(token: \\?"([A-Za-z0-9_-]+)\\?"\)/.exec(log())?.[1];
      expect(token).toBeDefined();
      const accepted = await client.gql('accept', 'mutation($t: String!, $p: String) { acceptInvitation(token: $t, password: $p) { newAccount role } }', { t: token, p: PASSWORD }, {});
      expect(accepted.json?.data?.acceptInvitation).toEqual({ newAccount: true, role: 'owner' });
    } finally {
      client.close();
      await gateway.stop();
    }
  });
});
