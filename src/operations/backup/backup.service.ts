import { mkdir, mkdtemp, readdir, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Database, Tx } from '../../db/client.js';
import { migrationLevel } from '../../db/migration-level.js';
import { rows } from '../../db/rows.js';
import { badInput } from '../../errors.js';
import { listTenants, recordSystemAudit, tenantBySubdomain } from '../../modules/tenants/tenant-admin.service.js';
import { enterTenant } from '../../tenancy/tenant-transaction.js';
import { assertCanActAsRuntimeRole, dataColumns, type TableInfo, tenantCatalog } from '../catalog.js';
import type { Progress } from '../progress.js';
import { ARCHIVE_FORMAT, FORMAT_VERSION, type Manifest, packArchive, type PartInfo, PartWriter } from './archive.js';
import { omittedColumns } from './secrets-policy.js';

// Rows are fetched from a cursor in batches of about this many bytes, whatever a row weighs.
const BATCH_BYTES = 2 * 1024 * 1024;
const FIRST_BATCH = 20;
const MAX_BATCH = 2000;
const CURSOR = 'anthias_backup_rows';
const DAY_MS = 86_400_000;

/** `anthias-<subdomain>-<tenant id>-<UTC time>.tar.gz`: sortable, and pruning finds a tenant by its id. */
export function archiveName(tenant: { id: string; subdomain: string }, at: Date): string {
  return `anthias-${tenant.subdomain}-${tenant.id}-${stamp(at)}.tar.gz`;
}
const stamp = (at: Date) => at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

async function assertNewFile(file: string): Promise<void> {
  if (await stat(file).catch(() => null)) throw badInput('out', `${file} exists; a backup never overwrites a file`);
  const dir = await stat(dirname(file)).catch(() => null);
  if (!dir?.isDirectory()) throw badInput('out', `the folder ${dirname(file)} does not exist`);
}

/**
 * One tenant's archive, from one consistent snapshot (REPEATABLE READ, READ ONLY) read through
 * the tenant's own RLS context: the runtime role and app.current_tenant_id, as a request would.
 * Rows stream from a cursor to part files, so no tenant is ever held in memory.
 */
export async function backupTenant(db: Database, subdomain: string, file: string, progress: Progress): Promise<Manifest> {
  const tenant = await tenantBySubdomain(db, subdomain);
  await assertNewFile(file);
  const work = await mkdtemp(join(dirname(file), '.anthias-backup-'));
  const started = Date.now();
  let manifest: Manifest;
  try {
    await mkdir(join(work, 'parts'));
    const snapshot = await db.transaction(
      async (tx) => {
        await assertCanActAsRuntimeRole(tx);
        const migration = await migrationLevel(tx);
        const tables = await tenantCatalog(tx);
        const omitted = omittedColumns(tables);
        await enterTenant(tx, { tenantId: tenant.id, readOnly: true });
        // Counting costs a pass over the tenant: only for a bar someone watches.
        let total = 0;
        if (progress.visible) for (const table of tables) total += await countRows(tx, table);
        progress.start(total, `backup ${subdomain}`);
        const parts: PartInfo[] = [];
        for (const [i, table] of tables.entries()) parts.push(await dumpTable(tx, table, work, i, progress));
        return { migration, omitted, parts };
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
    if (snapshot.parts.find((p) => p.table === 'tenants')?.rows !== 1) throw new Error(`tenant "${subdomain}" disappeared during the backup`);
    manifest = {
      format: ARCHIVE_FORMAT,
      formatVersion: FORMAT_VERSION,
      migration: snapshot.migration,
      tenant: { id: tenant.id, subdomain: tenant.subdomain },
      createdAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      omittedColumns: snapshot.omitted,
      tables: snapshot.parts,
    };
    await packArchive(file, work, manifest);
  } finally {
    progress.stop();
    await rm(work, { recursive: true, force: true });
  }
  const rowCount = manifest.tables.reduce((n, t) => n + t.rows, 0);
  await db.transaction((tx) =>
    recordSystemAudit(tx, tenant.id, 'tenant.backup', { archive: { after: basename(file) }, rows: { after: rowCount } }),
  );
  return manifest;
}

async function countRows(tx: Tx, table: TableInfo): Promise<number> {
  const [row] = await rows<{ n: number }>(tx, sql`select count(*)::int as n from ${sql.identifier(table.name)}`);
  return row?.n ?? 0;
}

async function dumpTable(tx: Tx, table: TableInfo, work: string, index: number, progress: Progress): Promise<PartInfo> {
  const name = `parts/${String(index).padStart(3, '0')}-${table.name.replace(/[^A-Za-z0-9_]/g, '_')}.ndjson`;
  const part = new PartWriter(join(work, name), name);
  const columns = dataColumns(table).map((c) => c.name);
  const list = sql.join(columns.map((c) => sql.identifier(c)), sql`, `);
  await tx.execute(sql`declare ${sql.identifier(CURSOR)} no scroll cursor for
    select row_to_json(r)::text as line from (select ${list} from ${sql.identifier(table.name)}) r`);
  let size = FIRST_BATCH;
  for (;;) {
    const batch = await rows<{ line: string }>(tx, sql.raw(`fetch ${size} from ${CURSOR}`));
    if (!batch.length) break;
    await part.write(batch.map((r) => r.line));
    progress.advance(batch.length);
    size = Math.max(1, Math.min(MAX_BATCH, Math.floor(BATCH_BYTES / Math.max(1, part.bytes / part.rows))));
  }
  await tx.execute(sql.raw(`close ${CURSOR}`));
  return part.finish(table.name, columns);
}

export type TenantBackup = { subdomain: string; file?: string; rows?: number; pruned?: string[]; error?: string };

/**
 * Every tenant into `dir`, one archive each; with keepDays, each tenant's archives older than
 * that are removed once its new one is written. A tenant that fails does not stop the others.
 */
export async function backupAll(
  db: Database,
  dir: string,
  keepDays: number | undefined,
  progress: Progress,
  onDone: (result: TenantBackup) => void,
): Promise<TenantBackup[]> {
  const folder = await stat(dir).catch(() => null);
  if (!folder?.isDirectory()) throw badInput('dir', `${dir} is not a folder`);
  const results: TenantBackup[] = [];
  for (const tenant of await listTenants(db, false)) {
    const file = join(dir, archiveName(tenant, new Date()));
    let result: TenantBackup;
    try {
      const manifest = await backupTenant(db, tenant.subdomain, file, progress);
      const pruned = keepDays === undefined ? [] : await pruneArchives(dir, tenant.id, keepDays, file);
      result = { subdomain: tenant.subdomain, file, rows: manifest.tables.reduce((n, t) => n + t.rows, 0), pruned };
    } catch (err) {
      result = { subdomain: tenant.subdomain, error: err instanceof Error ? err.message : String(err) };
    }
    results.push(result);
    onDone(result);
  }
  return results;
}

/** Removes the tenant's archives in `dir` whose time stamp is older than keepDays (never `keep`). */
export async function pruneArchives(dir: string, tenantId: string, keepDays: number, keep: string): Promise<string[]> {
  const cutoff = Date.now() - keepDays * DAY_MS;
  const pruned: string[] = [];
  for (const name of await readdir(dir)) {
    const suffix = `-${tenantId}-`;
    const at = name.indexOf(suffix);
    if (!name.startsWith('anthias-') || at < 0 || !name.endsWith('.tar.gz')) continue;
    const m = STAMP.exec(name.slice(at + suffix.length, -'.tar.gz'.length));
    if (!m) continue;
    const taken = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    const path = join(dir, name);
    if (taken < cutoff && path !== keep) {
      await unlink(path);
      pruned.push(path);
    }
  }
  return pruned;
}
