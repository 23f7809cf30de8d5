import { randomBytes } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import type { Column, TableInfo } from '../catalog.js';

/** Why a table could not be given a canary row; the self-test reports it as a failure. */
export class NoCanary extends Error {}

/** The rows a canary may point its foreign keys at: the tenant itself, its canary account, its other canaries. */
export type CanaryRefs = { tenantId: string; accountId: string; rowOf(table: string): Record<string, string> | undefined };

const ENUM_LITERAL = /'((?:[^']|'')*)'/;

/**
 * A row for any tenant table, made from the catalog: tenant_id and foreign keys point at the
 * tenant and its own canaries, defaults and nullable columns are left to the database, and each
 * remaining NOT NULL column gets a value of its type (the first value a CHECK lists, when it lists
 * some). Values are random where a unique index could clash.
 */
export function canaryValues(table: TableInfo, refs: CanaryRefs): Map<string, SQL> {
  const values = new Map<string, SQL>();
  for (const fk of table.foreignKeys) {
    if (fk.columns.length !== 1) {
      if (fk.columns.some((c) => table.columns.find((col) => col.name === c)?.notNull)) throw new NoCanary(`composite foreign key to ${fk.parent}`);
      continue;
    }
    const column = table.columns.find((c) => c.name === fk.columns[0])!;
    const target =
      fk.parent === 'tenants' ? refs.tenantId : fk.parent === 'users' ? refs.accountId : refs.rowOf(fk.parent)?.[fk.parentColumns[0]!];
    if (target !== undefined) values.set(column.name, typed(target, column));
    else if (column.notNull) throw new NoCanary(`needs a row of ${fk.parent}, which has no canary`);
  }
  for (const column of table.columns) {
    if (values.has(column.name) || column.generated) continue;
    if (column.name === 'tenant_id') values.set(column.name, typed(refs.tenantId, column));
    else if (column.notNull && !column.hasDefault) values.set(column.name, valueFor(table, column));
  }
  return values;
}

const typed = (value: string, column: Column): SQL => sql`${value}::${sql.raw(column.type)}`;

function valueFor(table: TableInfo, column: Column): SQL {
  const check = table.checks.find((c) => c.column === column.name);
  const listed = check && ENUM_LITERAL.exec(check.definition);
  if (listed) return typed(listed[1]!.replace(/''/g, "'"), column);
  const type = sql.raw(column.type);
  switch (column.category) {
    case 'S': {
      const limit = /\((\d+)\)$/.exec(column.type);
      return typed(`canary-${randomBytes(8).toString('hex')}`.slice(0, limit ? Number(limit[1]) : undefined), column);
    }
    case 'N':
      return sql`1::${type}`;
    case 'B':
      return sql`false`;
    case 'D':
      return sql`now()::${type}`;
    case 'T':
      return sql`'1 hour'::${type}`;
    case 'A':
      return sql`'{}'::${type}`;
    case 'I':
      return sql`'127.0.0.1'::${type}`;
    case 'E':
      return sql`(select e.enumlabel from pg_enum e where e.enumtypid = ${column.type}::regtype order by e.enumsortorder limit 1)::${type}`;
    case 'U':
      if (column.type === 'uuid') return sql`gen_random_uuid()`;
      if (column.type === 'json' || column.type === 'jsonb') return sql`'{}'::${type}`;
      if (column.type === 'bytea') return sql`'\\x00'::bytea`;
  }
  throw new NoCanary(`no canary value for ${column.name} of type ${column.type}`);
}
