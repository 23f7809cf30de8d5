import { eq, isNotNull, sql } from 'drizzle-orm';
import { ConfigError } from '../../config.js';
import type { Database, Tx } from '../../db/client.js';
import { rows } from '../../db/rows.js';
import { type Asset, assets } from '../../db/schema/index.js';
import { AppError } from '../../errors.js';
import { enqueueEffect } from '../../outbox/effects.js';
import { RUNTIME_ROLE } from '../../tenancy/rls-report.js';
import { withTenantTransaction } from '../../tenancy/tenant-transaction.js';
import { asAudited, AUDITED } from '../assets/asset.audit.js';
import { diff } from '../audit/diff.js';
import { assertRoom, lockTenantLimits, usage } from '../tenants/quota.js';
import { recordSystemAudit, tenantBySubdomain } from '../tenants/tenant-admin.service.js';
import { type MappedAsset, mapAnthiasAssets } from './anthias-asset.js';
import type { AnthiasSource } from './anthias-source.js';

export type ImportStatus = 'created' | 'updated' | 'unchanged' | 'skipped';

/** One asset of the source and what became of it; `position` is its place in the source. */
export type ImportedAsset = {
  position: number;
  anthiasId: string | null;
  name: string | null;
  status: ImportStatus;
  assetId: string | null;
  playOrder: number | null;
  changed?: string[];
  reason?: string;
};

export type ImportReport = {
  tenant: { id: string; subdomain: string };
  format: AnthiasSource['format'];
  dryRun: boolean;
  counts: Record<ImportStatus, number>;
  assets: ImportedAsset[];
};

export type ImportOptions = { dryRun: boolean; onStart?: (total: number) => void; onProgress?: (done: number) => void };

/** Thrown inside the transaction to roll a dry run back, carrying what it would have done. */
class DryRun extends Error {
  constructor(readonly results: ImportedAsset[]) {
    super('dry run');
  }
}

/**
 * Imports an Anthias player's assets into a tenant, in one transaction that runs as the runtime
 * role inside the tenant's RLS context, so it obeys the same policies and grants as the API.
 * Keyed by the Anthias asset_id (`assets.source_ref`): importing the same source again updates
 * the assets it made and never duplicates them. The imported assets take Anthias's play order
 * after every other asset of the tenant. Quota is checked, net of updates, before anything is
 * written; each creation and update is audited as the system with the same diff the API writes,
 * and the tenant's cached playlists are marked stale through the outbox.
 */
export async function importAnthiasAssets(db: Database, subdomain: string, source: AnthiasSource, options: ImportOptions): Promise<ImportReport> {
  await assertCanActAsRuntimeRole(db);
  const tenant = await tenantBySubdomain(db, subdomain);
  const mapping = mapAnthiasAssets(source.records);
  options.onStart?.(mapping.assets.length);
  let results: ImportedAsset[];
  try {
    results = await withTenantTransaction(db, { tenantId: tenant.id }, async (tx) => {
      const written = await writeAssets(tx, tenant.id, mapping.assets, options.onProgress);
      if (options.dryRun) throw new DryRun(written);
      return written;
    });
  } catch (err) {
    if (!(err instanceof DryRun)) throw err;
    results = err.results;
  }
  const skipped = mapping.skipped.map((s): ImportedAsset => ({ position: s.position, anthiasId: s.anthiasId, name: s.name, status: 'skipped', assetId: null, playOrder: null, reason: s.reason }));
  const all = [...results, ...skipped].sort((a, b) => a.position - b.position);
  const counts: Record<ImportStatus, number> = { created: 0, updated: 0, unchanged: 0, skipped: 0 };
  for (const r of all) counts[r.status] += 1;
  return { tenant: { id: tenant.id, subdomain: tenant.subdomain }, format: source.format, dryRun: options.dryRun, counts, assets: all };
}

/** The import runs as anthias_app: an owner that may not switch to it would fail on the first statement, less clearly. */
async function assertCanActAsRuntimeRole(db: Database): Promise<void> {
  const [me] = await rows<{ ok: boolean; role: string }>(db, sql`select pg_has_role(${RUNTIME_ROLE}, 'MEMBER') as ok, current_user as role`);
  if (!me?.ok) throw new ConfigError(`the import runs as ${RUNTIME_ROLE}, which ${me?.role} may not act as: GRANT ${RUNTIME_ROLE} TO ${me?.role}`);
}

async function writeAssets(tx: Tx, tenantId: string, mapped: MappedAsset[], onProgress?: (done: number) => void): Promise<ImportedAsset[]> {
  // Locked first: a concurrent import or creation of this tenant waits, so what is new and what
  // fits are decided on what the others committed.
  const limits = await lockTenantLimits(tx, tenantId);
  const refs = new Set(mapped.map((a) => a.sourceRef));
  const imported = await tx.select().from(assets).where(isNotNull(assets.sourceRef));
  const existing = new Map(imported.filter((row) => refs.has(row.sourceRef!)).map((row) => [row.sourceRef!, row]));
  const creating = mapped.filter((a) => !existing.has(a.sourceRef)).length;
  if (creating) {
    try {
      assertRoom(await usage(tx, 'assets'), limits, 'assets', creating);
    } catch (err) {
      if (!(err instanceof AppError) || err.extensions.code !== 'QUOTA_EXCEEDED') throw err;
      const { limit, usage: used } = err.extensions as { limit: number; usage: number };
      throw new AppError('QUOTA_EXCEEDED', `assets: the import would create ${creating}, but the plan allows ${limit} and ${used} are in use; nothing was written`, err.extensions);
    }
  }
  const others = await tx.select({ playOrder: assets.playOrder, sourceRef: assets.sourceRef }).from(assets);
  const first = others.reduce((max, o) => (o.sourceRef && refs.has(o.sourceRef) ? max : Math.max(max, o.playOrder + 1)), 0);
  const results: ImportedAsset[] = [];
  for (const [i, a] of mapped.entries()) {
    const before = existing.get(a.sourceRef);
    results.push(before ? await updateOne(tx, tenantId, before, a, first + i) : await createOne(tx, tenantId, a, first + i));
    onProgress?.(i + 1);
  }
  if (results.some((r) => r.status !== 'unchanged')) {
    // Committed with the import; the running gateways' outbox workers carry it out (due at once:
    // this process does not carry out effects itself).
    await enqueueEffect(tx, { kind: 'playlists.stale', payload: { tenantId } }, 0);
  }
  return results;
}

async function createOne(tx: Tx, tenantId: string, a: MappedAsset, playOrder: number): Promise<ImportedAsset> {
  const [row] = await tx.insert(assets).values({ ...a.fields, tenantId, playOrder, sourceRef: a.sourceRef }).returning();
  await recordSystemAudit(tx, tenantId, 'asset.create', diff(null, row!, [...AUDITED, 'sourceRef']), { type: 'asset', id: row!.id });
  return { position: a.position, anthiasId: a.anthiasId, name: row!.name, status: 'created', assetId: row!.id, playOrder };
}

/** Fields from Anthias replace ours; labels, which Anthias does not have, stay. Unchanged rows are not written. */
async function updateOne(tx: Tx, tenantId: string, before: Asset, a: MappedAsset, playOrder: number): Promise<ImportedAsset> {
  const next = { ...a.fields, labels: before.labels, playOrder };
  const current = asAudited(before);
  const changes = diff(current, { ...current, ...next }, AUDITED);
  const outcome = (status: ImportStatus): ImportedAsset => ({ position: a.position, anthiasId: a.anthiasId, name: next.name, status, assetId: before.id, playOrder });
  if (!Object.keys(changes).length) return outcome('unchanged');
  await tx.update(assets).set({ ...next, updatedBy: null, updatedAt: new Date() }).where(eq(assets.id, before.id));
  await recordSystemAudit(tx, tenantId, 'asset.update', changes, { type: 'asset', id: before.id });
  return { ...outcome('updated'), changed: Object.keys(changes) };
}
