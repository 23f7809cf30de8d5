import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { rows } from '../../db/rows.js';
import { badInput } from '../../errors.js';
import { recordSystemAudit, tenantBySubdomain } from '../../modules/tenants/tenant-admin.service.js';
import { failedAndUnchanged } from '../failure.js';
import type { Progress } from '../progress.js';

export type PruneSummary = { cutoff: string; olderThanDays: number; removed: number; tenants: Array<{ id: string; subdomain: string; removed: number }> };

/** Longest retention a command line may ask for; beyond it the number is a typo, not a policy. */
const MAX_DAYS = 36_500;

/**
 * Retention of the audit trail: removes rows older than the cutoff, one tenant (or every tenant)
 * in one transaction on the owner's connection (the runtime role may only read and append), and
 * records the pruning in each pruned tenant's own trail. Each tenant is entered as a request
 * would be (app.current_tenant_id), so FORCE ROW LEVEL SECURITY binds this too when the owner is
 * not a superuser.
 */
export async function pruneAudit(db: Database, opts: { olderThanDays: number; subdomain?: string }, progress: Progress): Promise<PruneSummary> {
  const days = opts.olderThanDays;
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw badInput('older-than', `must be a whole number of days from 1 to ${MAX_DAYS}`);
  const targets = opts.subdomain
    ? [await tenantBySubdomain(db, opts.subdomain)].map((t) => ({ id: t.id, subdomain: t.subdomain }))
    : await rows<{ id: string; subdomain: string }>(db, sql`select id::text as id, subdomain from tenants order by subdomain`);
  const cutoff = new Date(Date.now() - days * 86_400_000);

  progress.start(targets.length, 'prune audit');
  try {
    const tenants = await db.transaction(async (tx) => {
      const pruned: PruneSummary['tenants'] = [];
      for (const t of targets) {
        await tx.execute(sql`select set_config('app.current_tenant_id', ${t.id}, true)`);
        const [counted] = await rows<{ removed: number }>(
          tx,
          sql`with gone as (delete from audit_logs where tenant_id = ${t.id} and created_at < ${cutoff.toISOString()}::timestamptz returning 1)
              select count(*)::int as removed from gone`,
        );
        const removed = counted?.removed ?? 0;
        if (removed > 0) {
          await recordSystemAudit(tx, t.id, 'audit.prune', { olderThanDays: { after: days }, cutoff: { after: cutoff.toISOString() }, removed: { after: removed } });
          pruned.push({ ...t, removed });
        }
        progress.advance(1);
      }
      return pruned;
    });
    return { cutoff: cutoff.toISOString(), olderThanDays: days, removed: tenants.reduce((n, t) => n + t.removed, 0), tenants };
  } catch (err) {
    throw failedAndUnchanged('prune-audit', err);
  } finally {
    progress.stop();
  }
}
