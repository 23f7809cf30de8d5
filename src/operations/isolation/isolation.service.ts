import { randomBytes } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import type { Database, Tx } from '../../db/client.js';
import { rows } from '../../db/rows.js';
import { badInput } from '../../errors.js';
import { recordSystemAudit, tenantBySubdomain } from '../../modules/tenants/tenant-admin.service.js';
import { APPEND_ONLY, type RlsReport, rlsReport } from '../../tenancy/rls-report.js';
import { enterTenant } from '../../tenancy/tenant-transaction.js';
import { assertCanActAsRuntimeRole, type TableInfo, tenantCatalog } from '../catalog.js';
import type { Progress } from '../progress.js';
import { canaryValues, NoCanary } from './canary.js';

export const PROBES = ['canary', 'read own', 'update own', 'read other', 'update other', 'delete other', 'insert other'] as const;
export type ProbeName = (typeof PROBES)[number];
export type Outcome = 'ok' | 'FAIL' | 'n/a';
export type ProbeResult = { table: string; probe: ProbeName; as: string; outcome: Outcome; detail: string };
export type IsolationReport = { ok: boolean; tenants: { id: string; subdomain: string }[]; probes: ProbeResult[]; rls: RlsReport };

type Tenant = { id: string; subdomain: string };
type Canary = { account: string; rows: Map<string, Record<string, string>> };

const ROLLBACK = Symbol('rollback');
const INSUFFICIENT_PRIVILEGE = '42501'; // both "permission denied" and "violates row-level security policy"
const pgCode = (err: unknown): string | undefined => {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  return String(e?.code ?? e?.cause?.code ?? '') || undefined;
};
const pgMessage = (err: unknown): string => {
  const e = err as { cause?: { message?: string }; message?: string };
  return e?.cause?.message ?? e?.message ?? String(err);
};

/**
 * Proves on a live database that two tenants cannot touch each other's rows. Inside one
 * transaction that is always rolled back, each tenant gets a canary row in every tenant table,
 * written through the gateway's own tenant context (enterTenant); then each tenant, in that same
 * context, must read and update its own canary and must not read, update, delete or insert the
 * other's rows. Each probe runs in a savepoint, so one failure does not hide the others. The
 * checks of `rls validate` are added.
 */
export async function testTenantIsolation(
  db: Database,
  subdomains: [string, string],
  runtimeLogin: string | null,
  progress: Progress,
): Promise<IsolationReport> {
  if (subdomains[0] === subdomains[1]) throw badInput('tenant2', 'must name another tenant than tenant1');
  const tenants: [Tenant, Tenant] = [await tenantBySubdomain(db, subdomains[0]), await tenantBySubdomain(db, subdomains[1])];
  const probes: ProbeResult[] = [];
  try {
    await db.transaction(async (tx) => {
      await assertCanActAsRuntimeRole(tx);
      const tables = await tenantCatalog(tx);
      progress.start(tables.length * 2, 'isolation');
      const canaries = new Map<string, Canary>();
      // The runtime role never creates accounts: the owner makes one per tenant, joined below as a canary membership.
      for (const t of tenants) canaries.set(t.id, { account: await canaryAccount(tx), rows: new Map() });
      for (const t of tenants) {
        await enterTenant(tx, { tenantId: t.id });
        for (const table of tables.filter((x) => x.kind === 'tenant')) {
          probes.push(await plantCanary(tx, table, t, canaries.get(t.id)!));
        }
      }
      for (const [self, other] of [tenants, [tenants[1], tenants[0]]] as const) {
        await enterTenant(tx, { tenantId: self.id, userId: canaries.get(self.id)!.account });
        for (const table of tables) {
          probes.push(...(await probeTable(tx, table, self, other, canaries)));
          progress.advance(1);
        }
      }
      throw ROLLBACK;
    });
  } catch (err) {
    if (err !== ROLLBACK) throw err;
  } finally {
    progress.stop();
  }
  const rls = await rlsReport(db, runtimeLogin);
  const ok = rls.ok && probes.every((p) => p.outcome !== 'FAIL');
  await db.transaction(async (tx) => {
    for (const t of tenants) await recordSystemAudit(tx, t.id, 'tenant.isolation_test', { passed: { after: ok } });
  });
  return { ok, tenants, probes, rls };
}

async function canaryAccount(tx: Tx): Promise<string> {
  const email = `canary-${randomBytes(8).toString('hex')}@isolation.invalid`;
  const [row] = await rows<{ id: string }>(tx, sql`insert into users (email, password_hash) values (${email}, '!') returning id::text as id`);
  return row!.id;
}

/**
 * Runs one statement in a savepoint and returns its rows, or the error it raised. A probe's
 * writes are undone at once (the savepoint is rolled back), so a leak one probe finds cannot
 * change what the next one sees; a canary's insert is kept.
 */
async function attempt(tx: Tx, query: SQL, keep = false): Promise<{ rows: unknown[] } | { error: unknown }> {
  let found: unknown[] = [];
  try {
    await tx.transaction(async (sp) => {
      found = await rows<unknown>(sp, query);
      if (!keep) throw ROLLBACK;
    });
    return { rows: found };
  } catch (error) {
    return error === ROLLBACK ? { rows: found } : { error };
  }
}

const pkReturning = (table: TableInfo) => sql.join(table.primaryKey.map((c) => sql`${sql.identifier(c)}::text as ${sql.identifier(c)}`), sql`, `);

function insertRow(table: TableInfo, values: Map<string, SQL>, returning: SQL): SQL {
  const columns = [...values.keys()];
  const into = columns.length
    ? sql`(${sql.join(columns.map((c) => sql.identifier(c)), sql`, `)}) values (${sql.join([...values.values()], sql`, `)})`
    : sql`default values`;
  return sql`insert into ${sql.identifier(table.name)} ${into} returning ${returning}`;
}

async function plantCanary(tx: Tx, table: TableInfo, tenant: Tenant, canary: Canary): Promise<ProbeResult> {
  const result = (outcome: Outcome, detail: string): ProbeResult => ({ table: table.name, probe: 'canary', as: tenant.subdomain, outcome, detail });
  if (!table.primaryKey.length) return result('FAIL', 'no primary key to find the canary row by');
  let values: Map<string, SQL>;
  try {
    values = canaryValues(table, { tenantId: tenant.id, accountId: canary.account, rowOf: (t) => canary.rows.get(t) });
  } catch (err) {
    if (err instanceof NoCanary) return result('FAIL', err.message);
    throw err;
  }
  const inserted = await attempt(tx, insertRow(table, values, pkReturning(table)), true);
  if ('error' in inserted) return result('FAIL', `insert refused: ${pgMessage(inserted.error)}`);
  canary.rows.set(table.name, inserted.rows[0] as Record<string, string>);
  return result('ok', 'written through the tenant context');
}

/** The predicate that finds a tenant's canary row in a table. */
function canaryRow(table: TableInfo, tenant: Tenant, canaries: Map<string, Canary>): SQL | null {
  const canary = canaries.get(tenant.id)!;
  if (table.kind === 'tenants') return sql`id = ${tenant.id}::uuid`;
  if (table.kind === 'users') return sql`id = ${canary.account}::uuid`;
  const key = canary.rows.get(table.name);
  if (!key) return null;
  return sql.join(
    table.primaryKey.map((c) => sql`${sql.identifier(c)} = ${key[c]!}::${sql.raw(table.columns.find((col) => col.name === c)!.type)}`),
    sql` and `,
  );
}

async function probeTable(tx: Tx, table: TableInfo, self: Tenant, other: Tenant, canaries: Map<string, Canary>): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  const add = (probe: ProbeName, outcome: Outcome, detail: string) => results.push({ table: table.name, probe, as: self.subdomain, outcome, detail });
  const own = canaryRow(table, self, canaries);
  const theirs = canaryRow(table, other, canaries);
  if (!own || !theirs) {
    for (const probe of PROBES.slice(1)) add(probe, 'FAIL', 'not probed: a tenant has no canary row here');
    return results;
  }
  const name = sql.identifier(table.name);
  const updatable = table.columns.find((c) => c.updatable && c.name !== 'tenant_id' && !table.primaryKey.includes(c.name) && !c.generated);
  const touch = updatable && sql`${sql.identifier(updatable.name)} = ${sql.identifier(updatable.name)}`;
  // Every row of the other tenant, not only its canary, must stay out of sight.
  const otherRows = table.kind === 'tenant' ? sql`(${theirs}) or tenant_id = ${other.id}::uuid` : theirs;

  const read = await attempt(tx, sql`select 1 as found from ${name} where ${own}`);
  if ('error' in read) add('read own', 'FAIL', `refused: ${pgMessage(read.error)}`);
  else add('read own', read.rows.length === 1 ? 'ok' : 'FAIL', `${read.rows.length} row(s) seen of 1`);

  if (!touch || APPEND_ONLY.has(table.name)) add('update own', 'n/a', 'the runtime role may not update this table');
  else {
    const updated = await attempt(tx, sql`update ${name} set ${touch} where ${own} returning 1 as updated`);
    if ('error' in updated) add('update own', 'FAIL', `refused: ${pgMessage(updated.error)}`);
    else add('update own', updated.rows.length === 1 ? 'ok' : 'FAIL', `${updated.rows.length} row(s) updated of 1`);
  }

  const seen = await attempt(tx, sql`select 1 as found from ${name} where ${otherRows} limit 1`);
  add('read other', ...denied(seen, `sees rows of ${other.subdomain}`));
  if (!touch) add('update other', 'n/a', 'the runtime role may not update this table');
  else add('update other', ...denied(await attempt(tx, sql`update ${name} set ${touch} where ${theirs} returning 1 as updated`), `updated a row of ${other.subdomain}`));
  const deleted = await attempt(tx, sql`delete from ${name} where ${theirs} returning 1 as deleted`);
  add('delete other', ...denied(deleted, `deleted a row of ${other.subdomain}`));

  let values: Map<string, SQL>;
  try {
    const canary = canaries.get(other.id)!;
    values = canaryValues(table, { tenantId: other.id, accountId: canary.account, rowOf: (t) => canary.rows.get(t) });
  } catch (err) {
    if (!(err instanceof NoCanary)) throw err;
    add('insert other', 'FAIL', `not probed: ${err.message}`);
    return results;
  }
  const inserted = await attempt(tx, insertRow(table, values, sql`1 as inserted`));
  if ('rows' in inserted) add('insert other', 'FAIL', `inserted a row for ${other.subdomain}`);
  else if (pgCode(inserted.error) === INSUFFICIENT_PRIVILEGE) add('insert other', 'ok', 'refused');
  else add('insert other', 'FAIL', `inconclusive: refused for another reason (${pgMessage(inserted.error)})`);
  return results;
}

/** A probe at another tenant's rows passes when it finds none or is refused outright. */
function denied(result: { rows: unknown[] } | { error: unknown }, breach: string): [Outcome, string] {
  if ('rows' in result) return result.rows.length === 0 ? ['ok', 'no rows'] : ['FAIL', breach];
  return pgCode(result.error) === INSUFFICIENT_PRIVILEGE ? ['ok', 'refused'] : ['FAIL', `inconclusive: ${pgMessage(result.error)}`];
}
