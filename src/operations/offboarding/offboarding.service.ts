import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type SQL, sql } from 'drizzle-orm';
import type { Database, Tx } from '../../db/client.js';
import { rows } from '../../db/rows.js';
import { badInput } from '../../errors.js';
import { recordSystemAudit, tenantBySubdomain } from '../../modules/tenants/tenant-admin.service.js';
import { archiveName, backupTenant } from '../backup/backup.service.js';
import { tenantCatalog } from '../catalog.js';
import { failedAndUnchanged } from '../failure.js';
import type { Progress } from '../progress.js';
import { footprintOf, type TenantCaches } from '../tenant-caches.js';

export type DeletionSummary = {
  tenant: { id: string; subdomain: string };
  backup: string | null;
  rows: Record<string, number>;
  /** Accounts removed because they belonged to no other tenant. */
  accountsDeleted: number;
};

/**
 * Offboarding: optionally a backup first (no backup, no deletion), then every row of the tenant
 * in one transaction on the owner's connection (every tenant table from the catalog, the trail
 * included, its domains, the tenant), and the accounts that belonged to no other tenant. Its
 * sessions and keys stop on every instance when that commits; its keys then leave the store.
 */
export async function deleteTenant(
  db: Database,
  caches: TenantCaches,
  subdomain: string,
  opts: { confirm: string; backupDir?: string },
  progress: Progress,
): Promise<DeletionSummary> {
  if (opts.confirm !== subdomain) throw badInput('confirm', 'must repeat the subdomain of the tenant to delete');
  const tenant = await tenantBySubdomain(db, subdomain);
  if (opts.backupDir !== undefined && !(await stat(opts.backupDir).catch(() => null))?.isDirectory()) {
    throw badInput('backup-dir', `${opts.backupDir} is not a folder`);
  }
  // First in the trail, so the archive the tenant leaves behind records its own deletion.
  const file = opts.backupDir === undefined ? null : join(opts.backupDir, archiveName(tenant, new Date()));
  await db.transaction((tx) => recordSystemAudit(tx, tenant.id, 'tenant.delete', { backup: { after: file } }));
  if (file) {
    try {
      await backupTenant(db, subdomain, file, progress);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      await db.transaction((tx) => recordSystemAudit(tx, tenant.id, 'tenant.delete_refused', { reason: { after: `backup failed: ${reason}` } }));
      throw new Error(`the backup failed, so nothing was deleted: ${reason}`, { cause: err });
    }
  }

  const deleted = await db.transaction(async (tx) => {
    await tx.execute(sql`select 1 from tenants where id = ${tenant.id} for update`);
    const footprint = await footprintOf(tx, tenant.id);
    const soleMembers = await rows<{ id: string }>(
      tx,
      sql`select tu.user_id::text as id from tenant_users tu where tu.tenant_id = ${tenant.id}
          and not exists (select 1 from tenant_users o where o.user_id = tu.user_id and o.tenant_id <> ${tenant.id})`,
    );
    const children = (await tenantCatalog(tx)).filter((t) => t.kind === 'tenant').reverse();
    progress.start(children.length + 2, `delete ${subdomain}`);
    const counts: Record<string, number> = {};
    for (const table of children) {
      counts[table.name] = await deleteCount(tx, sql`delete from ${sql.identifier(table.name)} where tenant_id = ${tenant.id}`);
      progress.advance(1);
    }
    counts.tenants = await deleteCount(tx, sql`delete from tenants where id = ${tenant.id}`);
    const ids = JSON.stringify(soleMembers.map((u) => u.id));
    counts.users = await deleteCount(tx, sql`delete from users where id in (select value::uuid from json_array_elements_text(${ids}::json))`);
    progress.advance(2);
    // Credentials stop on every gateway when this commits; a gateway's outbox worker purges the store.
    await caches.removed(tx, footprint, soleMembers.map((u) => u.id));
    return { counts, accounts: soleMembers.length };
  }).catch((err: unknown) => {
    throw failedAndUnchanged('the deletion', err);
  }).finally(() => progress.stop());
  return { tenant: { id: tenant.id, subdomain }, backup: file, rows: deleted.counts, accountsDeleted: deleted.accounts };
}

async function deleteCount(tx: Tx, statement: SQL): Promise<number> {
  const [row] = await rows<{ n: number }>(tx, sql`with gone as (${statement} returning 1) select count(*)::int as n from gone`);
  return row?.n ?? 0;
}
