import { sql } from 'drizzle-orm';
import type { Database, Tx } from '../db/client.js';
import { rows } from '../db/rows.js';
import { RUNTIME_ROLE } from '../tenancy/rls-report.js';

/**
 * The tables that hold a tenant's data, read from the catalog rather than from code, so a table
 * added later is backed up, restored, deleted and probed without anyone remembering it: every
 * table of schema public with a tenant_id column, plus `tenants` and `users`.
 */
export type Column = {
  name: string;
  type: string;
  /** pg_type.typcategory: S string, N numeric, B boolean, D date/time, U user (uuid, json), A array, I network… */
  category: string;
  notNull: boolean;
  hasDefault: boolean;
  generated: boolean;
  identityAlways: boolean;
  /** What the runtime role may do with the column (column or table privilege). */
  readable: boolean;
  updatable: boolean;
};
export type ForeignKey = { columns: string[]; parent: string; parentColumns: string[] };
export type UniqueIndex = { name: string; columns: string[]; expression: boolean };
export type TableInfo = {
  name: string;
  kind: 'tenant' | 'tenants' | 'users';
  columns: Column[];
  primaryKey: string[];
  foreignKeys: ForeignKey[];
  /** Single-column CHECK constraints, as pg_get_constraintdef prints them. */
  checks: { column: string; definition: string }[];
  /** Unique indexes other than the primary key. */
  uniqueIndexes: UniqueIndex[];
};

type ColumnRow = {
  table: string;
  name: string;
  type: string;
  category: string;
  not_null: boolean;
  has_default: boolean;
  generated: boolean;
  identity_always: boolean;
  readable: boolean;
  updatable: boolean;
  has_tenant_id: boolean;
};
type ConstraintRow = { table: string; type: 'p' | 'f' | 'c'; definition: string; columns: string[]; parent: string | null; parent_columns: string[] };
type IndexRow = { table: string; name: string; expression: boolean; columns: string[] };

/** Every tenant table, parents before children (foreign keys between them decide the order). */
export async function tenantCatalog(db: Database | Tx): Promise<TableInfo[]> {
  const columns = await rows<ColumnRow>(
    db,
    sql`select c.relname as table, a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
          t.typcategory::text as category, a.attnotnull as not_null, a.atthasdef as has_default,
          a.attgenerated::text <> '' as generated, a.attidentity::text = 'a' as identity_always,
          has_column_privilege(${RUNTIME_ROLE}, c.oid, a.attnum, 'SELECT') as readable,
          has_column_privilege(${RUNTIME_ROLE}, c.oid, a.attnum, 'UPDATE') as updatable,
          exists (select 1 from pg_attribute ta where ta.attrelid = c.oid and ta.attname = 'tenant_id' and not ta.attisdropped) as has_tenant_id
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        join pg_type t on t.oid = a.atttypid
        where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
          and a.attnum > 0 and not a.attisdropped
        order by c.relname, a.attnum`,
  );
  const constraints = await rows<ConstraintRow>(
    db,
    sql`select c.relname as table, con.contype::text as type, pg_get_constraintdef(con.oid) as definition,
          array(select a.attname::text from unnest(con.conkey) with ordinality k(num, i)
                join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.num order by k.i) as columns,
          p.relname as parent,
          array(select a.attname::text from unnest(con.confkey) with ordinality k(num, i)
                join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.num order by k.i) as parent_columns
        from pg_constraint con
        join pg_class c on c.oid = con.conrelid
        join pg_namespace n on n.oid = c.relnamespace
        left join pg_class p on p.oid = con.confrelid
        where n.nspname = 'public' and con.contype in ('p', 'f', 'c')`,
  );
  const indexes = await rows<IndexRow>(
    db,
    sql`select c.relname as table, i.relname as name, x.indexprs is not null as expression,
          array(select a.attname::text from unnest(x.indkey::int2[]) with ordinality k(num, ord)
                join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.num order by k.ord) as columns
        from pg_index x
        join pg_class c on c.oid = x.indrelid
        join pg_class i on i.oid = x.indexrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and x.indisunique and not x.indisprimary`,
  );

  const tables = new Map<string, TableInfo>();
  for (const c of columns) {
    const kind = c.has_tenant_id ? 'tenant' : c.table === 'tenants' || c.table === 'users' ? c.table : null;
    if (!kind) continue;
    let table = tables.get(c.table);
    if (!table) {
      table = { name: c.table, kind, columns: [], primaryKey: [], foreignKeys: [], checks: [], uniqueIndexes: [] };
      tables.set(c.table, table);
    }
    table.columns.push({
      name: c.name,
      type: c.type,
      category: c.category,
      notNull: c.not_null,
      hasDefault: c.has_default,
      generated: c.generated,
      identityAlways: c.identity_always,
      readable: c.readable,
      updatable: c.updatable,
    });
  }
  for (const con of constraints) {
    const table = tables.get(con.table);
    if (!table) continue;
    if (con.type === 'p') table.primaryKey = con.columns;
    else if (con.type === 'f' && con.parent) table.foreignKeys.push({ columns: con.columns, parent: con.parent, parentColumns: con.parent_columns });
    else if (con.type === 'c' && con.columns.length === 1) table.checks.push({ column: con.columns[0]!, definition: con.definition });
  }
  for (const ix of indexes) tables.get(ix.table)?.uniqueIndexes.push({ name: ix.name, columns: ix.columns, expression: ix.expression });
  return parentsFirst([...tables.values()]);
}

/** Kahn's algorithm over the foreign keys between the given tables; ties by name, so the order is stable. */
function parentsFirst(tables: TableInfo[]): TableInfo[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const parentsOf = (t: TableInfo) => new Set(t.foreignKeys.map((fk) => fk.parent).filter((p) => p !== t.name && byName.has(p)));
  const pending = new Map(tables.map((t) => [t.name, parentsOf(t)]));
  const ordered: TableInfo[] = [];
  while (pending.size) {
    const ready = [...pending].filter(([, parents]) => parents.size === 0).map(([name]) => name).sort();
    if (!ready.length) throw new Error(`foreign keys form a cycle between ${[...pending.keys()].join(', ')}`);
    for (const name of ready) {
      ordered.push(byName.get(name)!);
      pending.delete(name);
      for (const parents of pending.values()) parents.delete(name);
    }
  }
  return ordered;
}

/** The columns a backup holds: every column the runtime role can read, generated ones excepted. */
export const dataColumns = (table: TableInfo): Column[] => table.columns.filter((c) => c.readable && !c.generated);

/** Operators' commands switch to the runtime role; the owner's login must be allowed to. */
export async function assertCanActAsRuntimeRole(db: Database | Tx): Promise<void> {
  const [row] = await rows<{ member: boolean; login: string }>(
    db,
    sql`select pg_has_role(current_user, ${RUNTIME_ROLE}, 'MEMBER') as member, current_user as login`,
  );
  if (!row?.member) {
    throw new Error(`the operator's login ${row?.login ?? ''} cannot act as ${RUNTIME_ROLE}: GRANT ${RUNTIME_ROLE} TO ${row?.login ?? '<owner>'}`);
  }
}
