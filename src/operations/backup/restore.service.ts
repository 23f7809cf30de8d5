import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { type SQL, sql } from 'drizzle-orm';
import { unusablePasswordHash } from '../../auth/passwords.js';
import type { Database, Tx } from '../../db/client.js';
import { migrationLevel } from '../../db/migration-level.js';
import { rows } from '../../db/rows.js';
import { badInput } from '../../errors.js';
import { recordSystemAudit } from '../../modules/tenants/tenant-admin.service.js';
import { APPEND_ONLY } from '../../tenancy/rls-report.js';
import { subdomainProblem } from '../../tenancy/subdomain.js';
import { dataColumns, type TableInfo, tenantCatalog } from '../catalog.js';
import { failedAndUnchanged } from '../failure.js';
import type { Progress } from '../progress.js';
import { footprintOf, noFootprint, type TenantCaches } from '../tenant-caches.js';
import { type Manifest, type PartInfo, readArchive, verifyArchive } from './archive.js';
import { type CloneRule, cloneRules, IdMap, type Row } from './clone-rules.js';

// Rows are inserted in batches of about this many bytes of JSON (one statement each).
const BATCH_BYTES = 2 * 1024 * 1024;
const BATCH_ROWS = 1000;

export type RestoreSummary = {
  mode: 'replace' | 'clone';
  tenant: { id: string; subdomain: string };
  source: { subdomain: string; backupTakenAt: string };
  rows: number;
  tables: Record<string, number>;
  /** Accounts that did not exist and were created without a usable password. */
  accountsCreated: number;
  durationMs: number;
};

/** A JSON array parameter, which both drivers pass the same way (no driver-specific arrays). */
const jsonParam = (value: unknown): SQL => sql`${JSON.stringify(value)}::json`;
const columnList = (columns: string[]) => sql.join(columns.map((c) => sql.identifier(c)), sql`, `);

/**
 * Restores an archive in one transaction on the owner's connection, after the whole archive has
 * been checked (checksums, format version, migration level, tables and columns, the target
 * tenant). Without `asNew` the tenant's rows are replaced by the archive's; with it, the archive
 * becomes a new tenant with every id remapped. Gateways drop their caches when it commits.
 */
export async function restoreTenantBackup(
  db: Database,
  caches: TenantCaches,
  file: string,
  opts: { asNew?: string },
  progress: Progress,
): Promise<RestoreSummary> {
  if (!(await stat(file).catch(() => null))?.isFile()) throw badInput('file', `${file} does not exist`);
  const started = Date.now();
  const manifest = await verifyArchive(file);
  const tables = await checkCompatible(db, manifest);
  const plan = opts.asNew === undefined ? await planReplace(db, manifest) : await planClone(db, manifest, opts.asNew, tables);

  const totalRows = manifest.tables.reduce((n, t) => n + t.rows, 0);
  progress.start(totalRows, `restore ${plan.subdomain}`);
  let summary: RestoreSummary;
  try {
    summary = await db.transaction(async (tx) => {
      const before = plan.existing ? await footprintOf(tx, plan.tenantId) : noFootprint(plan.tenantId);
      const loader = new Loader(tx, plan, tables, progress);
      if (plan.existing) await loader.clearTenant();
      await readArchive(file, (part, lines) => loader.load(part, lines));
      const changes = { rows: { after: totalRows }, backupTakenAt: { after: manifest.createdAt } };
      if (plan.mode === 'replace') {
        await recordSystemAudit(tx, plan.tenantId, 'tenant.restore', { ...changes, archive: { after: basename(file) } });
      } else {
        // The clone's trail names its source by subdomain only: no id of the source enters the clone.
        await recordSystemAudit(tx, plan.tenantId, 'tenant.clone', { ...changes, source: { after: manifest.tenant.subdomain } });
      }
      // Delivered to every gateway when this transaction commits, and only then.
      await caches.changed(tx, before, await footprintOf(tx, plan.tenantId));
      return {
        mode: plan.mode,
        tenant: { id: plan.tenantId, subdomain: plan.subdomain },
        source: { subdomain: manifest.tenant.subdomain, backupTakenAt: manifest.createdAt },
        rows: totalRows,
        tables: Object.fromEntries(manifest.tables.map((t) => [t.table, t.rows])),
        accountsCreated: loader.accountsCreated,
        durationMs: 0,
      };
    });
  } catch (err) {
    throw failedAndUnchanged('the restore', err);
  } finally {
    progress.stop();
  }
  return { ...summary, durationMs: Date.now() - started };
}

/** Same migration level, the same tenant tables with the same columns, parents before children. */
async function checkCompatible(db: Database, manifest: Manifest): Promise<Map<string, TableInfo>> {
  const level = await migrationLevel(db);
  if (level.when !== manifest.migration.when) {
    throw badInput('archive', `was written at migration ${manifest.migration.tag}; this database is at ${level.tag}: restore it into a database at the same level`);
  }
  const catalog = await tenantCatalog(db);
  const byName = new Map(catalog.map((t) => [t.name, t]));
  const archived = new Set(manifest.tables.map((t) => t.table));
  const missing = catalog.filter((t) => !archived.has(t.name)).map((t) => t.name);
  if (missing.length) throw badInput('archive', `has no part for ${missing.join(', ')}, which this database holds tenant data in`);
  const position = new Map(manifest.tables.map((t, i) => [t.table, i]));
  for (const part of manifest.tables) {
    const table = byName.get(part.table);
    if (!table) throw badInput('archive', `holds table ${part.table}, which this database does not have as a tenant table`);
    const expected = dataColumns(table).map((c) => c.name);
    if (expected.join(',') !== part.columns.join(',')) {
      throw badInput('archive', `${part.table} has columns ${part.columns.join(',')}; this database has ${expected.join(',')}`);
    }
    for (const fk of table.foreignKeys) {
      if (fk.parent !== table.name && position.has(fk.parent) && position.get(fk.parent)! > position.get(part.table)!) {
        throw badInput('archive', `${part.table} comes before its parent ${fk.parent}`);
      }
    }
  }
  return byName;
}

type Plan = {
  mode: 'replace' | 'clone';
  tenantId: string;
  subdomain: string;
  /** The tenant exists now (its rows are replaced) rather than being created. */
  existing: boolean;
  ids: IdMap;
  rules: Map<string, CloneRule[]>;
};

/** Over the same tenant only: its id, and a subdomain that is its own or free. */
async function planReplace(db: Database, manifest: Manifest): Promise<Plan> {
  const { id, subdomain } = manifest.tenant;
  const found = await rows<{ id: string; subdomain: string }>(db, sql`select id::text, subdomain from tenants where id = ${id} or subdomain = ${subdomain}`);
  const other = found.find((t) => t.id !== id);
  if (other) {
    throw badInput('archive', `is of tenant ${subdomain} (${id}), but "${subdomain}" now belongs to tenant ${other.id}: restore it with --as-new`);
  }
  return { mode: 'replace', tenantId: id, subdomain, existing: found.length > 0, ids: new IdMap(null), rules: new Map() };
}

async function planClone(db: Database, manifest: Manifest, subdomain: string, tables: Map<string, TableInfo>): Promise<Plan> {
  const problem = subdomainProblem(subdomain);
  if (problem) throw badInput('as-new', problem);
  const [taken] = await rows<{ id: string }>(db, sql`select id from tenants where subdomain = ${subdomain}`);
  if (taken) throw badInput('as-new', `"${subdomain}" is taken`);
  const ids = new IdMap(randomBytes(32));
  return { mode: 'clone', tenantId: ids.id(manifest.tenant.id), subdomain, existing: false, ids, rules: cloneRules([...tables.values()]) };
}

/** Loads the archive's parts, in order, into the open transaction. */
class Loader {
  accountsCreated = 0;
  private lockedHash?: Promise<string>;

  constructor(
    private readonly tx: Tx,
    private readonly plan: Plan,
    private readonly tables: Map<string, TableInfo>,
    private readonly progress: Progress,
  ) {}

  /** The tenant's current rows go, children first; the append-only trail stays (it only grows). */
  async clearTenant(): Promise<void> {
    const id = this.plan.tenantId;
    await this.tx.execute(sql`select 1 from tenants where id = ${id} for update`);
    const children = [...this.tables.values()].filter((t) => t.kind === 'tenant' && !APPEND_ONLY.has(t.name)).reverse();
    for (const table of children) await this.tx.execute(sql`delete from ${sql.identifier(table.name)} where tenant_id = ${id}`);
  }

  async load(part: PartInfo, lines: AsyncIterable<string>): Promise<void> {
    const table = this.tables.get(part.table)!;
    let batch: Row[] = [];
    let bytes = 0;
    for await (const line of lines) {
      batch.push(JSON.parse(line) as Row);
      bytes += line.length;
      if (bytes >= BATCH_BYTES || batch.length >= BATCH_ROWS) {
        await this.flush(table, part.columns, batch);
        batch = [];
        bytes = 0;
      }
    }
    if (batch.length) await this.flush(table, part.columns, batch);
  }

  private async flush(table: TableInfo, columns: string[], batch: Row[]): Promise<void> {
    if (table.kind === 'users') await this.loadAccounts(columns, batch);
    else {
      const prepared = await this.prepare(table, batch);
      if (table.kind === 'tenants') await this.loadTenant(columns, prepared);
      else if (prepared.length) await this.insert(table, columns, prepared);
    }
    this.progress.advance(batch.length);
  }

  /** References to accounts outside the archive stay if the account exists here, else become null; then rules and ids. */
  private async prepare(table: TableInfo, batch: Row[]): Promise<Row[]> {
    const accountColumns = table.foreignKeys.filter((fk) => fk.parent === 'users' && fk.columns.length === 1).map((fk) => fk.columns[0]!);
    const outside = new Set<string>();
    for (const row of batch) {
      for (const c of accountColumns) {
        const v = row[c];
        if (typeof v === 'string' && !this.plan.ids.accounts.has(v) && !this.plan.ids.kept.has(v)) outside.add(v);
      }
    }
    if (outside.size) {
      const present = await rows<{ id: string }>(this.tx, sql`select id::text from users where id in (select value::uuid from json_array_elements_text(${jsonParam([...outside])}))`);
      for (const { id } of present) this.plan.ids.kept.add(id);
    }
    const now = new Date().toISOString();
    const rules = this.plan.rules.get(table.name) ?? [];
    const out: Row[] = [];
    for (let row of batch) {
      for (const c of accountColumns) {
        const v = row[c];
        if (typeof v === 'string' && !this.plan.ids.accounts.has(v) && !this.plan.ids.kept.has(v)) row = { ...row, [c]: null };
      }
      let kept: Row | null = row;
      for (const rule of rules) kept = kept && rule(kept, now);
      if (kept) out.push(JSON.parse(this.plan.ids.text(JSON.stringify(kept))) as Row);
    }
    return out;
  }

  private async insert(table: TableInfo, columns: string[], batch: Row[]): Promise<void> {
    const list = columnList(columns);
    const overriding = table.columns.some((c) => c.identityAlways && columns.includes(c.name)) ? sql` overriding system value` : sql``;
    // Rows of the trail written since the backup stay; the archive's own rows come back once.
    const onConflict = this.plan.existing && APPEND_ONLY.has(table.name) ? sql` on conflict do nothing` : sql``;
    await this.tx.execute(sql`insert into ${sql.identifier(table.name)} (${list})${overriding}
      select ${list} from json_populate_recordset(null::${sql.identifier(table.name)}, ${jsonParam(batch)})${onConflict}`);
  }

  private async loadTenant(columns: string[], batch: Row[]): Promise<void> {
    const row = { ...batch[0]!, ...(this.plan.mode === 'clone' ? { subdomain: this.plan.subdomain } : {}) };
    if (!this.plan.existing) return this.insert(this.tables.get('tenants')!, columns, [row]);
    const set = columns.filter((c) => c !== 'id');
    await this.tx.execute(sql`update tenants set (${columnList(set)}) =
      (select ${columnList(set)} from json_populate_record(null::tenants, ${sql`${JSON.stringify(row)}::json`}))
      where id = ${this.plan.tenantId}`);
  }

  /**
   * Members' accounts. An account that exists keeps its password; when it belongs to no other
   * tenant its details come back from the archive (replace only). An archived account whose email
   * now has another account is linked to that one; if that account never proved its address (anyone
   * could have made it), its password is replaced by one nobody knows and its sessions end first, so
   * only the mailbox's owner gets in (by a password reset). Any other is created without a usable
   * password.
   */
  private async loadAccounts(columns: string[], batch: Row[]): Promise<void> {
    const { ids, tenantId, mode } = this.plan;
    const found = await rows<{ id: string; email: string; elsewhere: boolean; verified: boolean }>(
      this.tx,
      sql`select u.id::text, lower(u.email) as email, u.email_verified_at is not null as verified,
            exists (select 1 from tenant_users tu where tu.user_id = u.id and tu.tenant_id <> ${tenantId}) as elsewhere
          from users u
          where u.id in (select value::uuid from json_array_elements_text(${jsonParam(batch.map((r) => r.id))}))
             or lower(u.email) in (select lower(value) from json_array_elements_text(${jsonParam(batch.map((r) => r.email))}))`,
    );
    const create: Row[] = [];
    const update: Row[] = [];
    const unproven = new Set<string>();
    for (const row of batch) {
      const id = String(row.id);
      const byId = mode === 'replace' ? found.find((f) => f.id === id) : undefined;
      const byEmail = found.find((f) => f.email === String(row.email).toLowerCase());
      if (byId) {
        if (!byId.elsewhere) update.push(row);
      } else if (byEmail) {
        ids.accounts.set(id, byEmail.id);
        if (!byEmail.verified) unproven.add(byEmail.id);
      } else {
        create.push({ ...row, id: ids.id(id) });
        if (mode === 'clone') ids.accounts.set(id, ids.id(id));
      }
    }
    if (unproven.size) {
      this.lockedHash ??= unusablePasswordHash();
      const lock = jsonParam([...unproven]);
      await this.tx.execute(sql`update users set password_hash = ${await this.lockedHash} where id in (select value::uuid from json_array_elements_text(${lock}))`);
      await this.tx.execute(sql`delete from sessions where user_id in (select value::uuid from json_array_elements_text(${lock}))`);
    }
    if (create.length) {
      this.lockedHash ??= unusablePasswordHash();
      await this.tx.execute(sql`insert into users (${columnList(columns)}, password_hash)
        select ${columnList(columns)}, ${await this.lockedHash} from json_populate_recordset(null::users, ${jsonParam(create)})`);
      this.accountsCreated += create.length;
    }
    if (update.length) {
      const set = columns.filter((c) => c !== 'id');
      await this.tx.execute(sql`update users u set (${columnList(set)}) = row(${sql.join(set.map((c) => sql`r.${sql.identifier(c)}`), sql`, `)})
        from json_populate_recordset(null::users, ${jsonParam(update)}) r where u.id = r.id`);
    }
  }
}
