import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/rows.js';
import type { Mail, Mailer } from '../../src/mail/mailer.js';
import { codes, type Harness, startHarness, uniq } from '../support/harness.js';

const INVITE = 'mutation($email: String!, $role: MemberRole!) { inviteMember(email: $email, role: $role) { id email } }';

/** A mail server that is down until `up` is set. */
function flakyMailer(): Mailer & { up: boolean; delivered: Mail[]; refused: number } {
  return {
    up: false,
    delivered: [],
    refused: 0,
    async send(mail) {
      if (!this.up) {
        this.refused++;
        throw new Error('connect ECONNREFUSED 127.0.0.1:25');
      }
      this.delivered.push(mail);
    },
  };
}

describe('after a commit', () => {
  let h: Harness;
  const mailer = flakyMailer();
  beforeAll(async () => {
    h = await startHarness({}, { mailer });
  });
  afterAll(() => h?.close());

  it('a failing effect never turns the committed mutation into an error, and is carried out once it can be', async () => {
    const t = await h.seedTenant();
    const token = await h.login(t.ownerEmail);
    const email = `${uniq('inv')}@example.test`;
    const r = await h.gql<{ inviteMember: { email: string } }>(INVITE, { email, role: 'viewer' }, { token, tenant: t.subdomain });
    expect(codes(r)).toEqual([]);
    expect(r.body.data!.inviteMember.email).toBe(email);
    expect(mailer.refused).toBeGreaterThanOrEqual(1);
    // Committed with the invitation, waiting in the outbox.
    const [queued] = await rows<{ n: number }>(h.admin, sql`select count(*)::int as n from outbox where kind = 'mail.send' and payload->>'to' = ${email}`);
    expect(queued!.n).toBe(1);

    mailer.up = true;
    await expect.poll(() => mailer.delivered.filter((m) => m.to === email).length, { timeout: 40_000, interval: 500 }).toBe(1);
    await expect
      .poll(async () => (await rows<{ n: number }>(h.admin, sql`select count(*)::int as n from outbox where payload->>'to' = ${email}`))[0]!.n, { timeout: 10_000 })
      .toBe(0);
  });

  it('a rolled-back mutation leaves no effect behind', async () => {
    const t = await h.seedTenant({ plan: 'basic' });
    const token = await h.login(t.ownerEmail);
    const email = `${uniq('inv')}@example.test`;
    // A second mutation in the same document fails, so the whole document rolls back.
    const r = await h.gql(`mutation($email: String!) {
      a: inviteMember(email: $email, role: viewer) { id }
      b: inviteMember(email: "not-an-email", role: viewer) { id }
    }`, { email }, { token, tenant: t.subdomain });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    const [queued] = await rows<{ n: number }>(h.admin, sql`select count(*)::int as n from outbox where payload->>'to' = ${email}`);
    expect(queued!.n).toBe(0);
  });

  it("a gateway's worker retries its own effects, and takes another gateway's only once they are overdue by the orphan grace", async () => {
    const t = await h.seedTenant();
    const effect = async (origin: string, overdueSeconds: number) => {
      const [row] = await rows<{ id: string }>(h.admin, sql`select anthias_outbox_enqueue('playlists.stale', ${JSON.stringify({ tenantId: t.id })}::jsonb, 0, ${origin}) as id`);
      await h.admin.execute(sql`update outbox set available_at = now() - make_interval(secs => ${overdueSeconds}) where id = ${row!.id}`);
    };
    const left = async (origin: string) =>
      (await rows<{ n: number }>(h.admin, sql`select count(*)::int as n from outbox where origin = ${origin} and payload->>'tenantId' = ${t.id}`))[0]!.n;
    const other = `other-${uniq('gw')}`;
    const orphaned = `orphaned-${uniq('gw')}`;
    await effect(h.app.deps.outbox.origin, 0);
    await effect(other, 5);
    await effect(orphaned, 120);
    await expect.poll(() => left(h.app.deps.outbox.origin), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => left(orphaned), { timeout: 15_000 }).toBe(0);
    // Two more polls of the worker: the other gateway's recent effect is still its own to do.
    await new Promise((r) => setTimeout(r, 4_500));
    expect(await left(other)).toBe(1);
    await h.admin.execute(sql`delete from outbox where origin = ${other}`);
  }, 60_000);
});
