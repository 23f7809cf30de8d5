import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { rows } from '../db/rows.js';

export const RUNTIME_ROLE = 'anthias_app';
/** Tables the runtime role may only read and append to: no update, no delete. */
export const APPEND_ONLY = new Set(['audit_logs']);
// Tables without tenant_id that still hold tenant data, each with its own policy.
const SPECIAL = new Set(['tenants', 'users']);
const WRITE_GRANTS = ['INSERT', 'UPDATE', 'DELETE'];
const NEVER_GRANTED = ['TRUNCATE', 'REFERENCES', 'TRIGGER'];

export type TableReport = {
  table: string;
  scope: 'tenant' | 'special' | 'other';
  rlsEnabled: boolean;
  rlsForced: boolean;
  policies: string[];
  grants: string[];
  problems: string[];
};
export type RoleReport = { role: string; ok: boolean; detail: string };
export type RlsReport = { ok: boolean; tables: TableReport[]; roles: RoleReport[] };

type TableRow = {
  table: string;
  enabled: boolean;
  forced: boolean;
  has_tenant_id: boolean;
  policies: string[];
  tenant_policy: boolean;
  grants: string[];
  owner: string;
};

/** Re-applies every policy and grant from the one definition in the database (anthias_apply_rls). */
export async function applyRls(db: Database): Promise<void> {
  await db.execute(sql`select anthias_apply_rls()`);
}

/** A table-by-table account of RLS and grants, and of the roles; `ok` is false on any gap. */
export async function rlsReport(db: Database, runtimeLogin: string | null): Promise<RlsReport> {
  const app = await rows<{ exists: boolean; login: boolean; superuser: boolean; bypass: boolean; owns: number }>(
    db,
    sql`select true as exists, r.rolcanlogin as login, r.rolsuper as superuser, r.rolbypassrls as bypass,
          (select count(*)::int from pg_class c where c.relowner = r.oid) as owns
        from pg_roles r where r.rolname = ${RUNTIME_ROLE}`,
  );
  const roles: RoleReport[] = [];
  const role = app[0];
  roles.push(
    role
      ? {
          role: RUNTIME_ROLE,
          ok: !role.login && !role.superuser && !role.bypass && role.owns === 0,
          detail: `login=${role.login} superuser=${role.superuser} bypassrls=${role.bypass} owns=${role.owns}`,
        }
      : { role: RUNTIME_ROLE, ok: false, detail: 'missing: run `anthias migrate`' },
  );
  if (runtimeLogin) roles.push(await loginRoleReport(db, runtimeLogin));

  const tables = role
    ? await rows<TableRow>(
        db,
        sql`select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
              exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped) as has_tenant_id,
              coalesce((select array_agg(p.polname::text order by p.polname) from pg_policy p where p.polrelid = c.oid), '{}') as policies,
              exists (select 1 from pg_policy p where p.polrelid = c.oid
                       and pg_get_expr(p.polqual, p.polrelid) like '%app.current_tenant_id%') as tenant_policy,
              array_remove(array[
                case when has_any_column_privilege(${RUNTIME_ROLE}, c.oid, 'SELECT') then 'SELECT' end,
                case when has_table_privilege(${RUNTIME_ROLE}, c.oid, 'INSERT') then 'INSERT' end,
                case when has_any_column_privilege(${RUNTIME_ROLE}, c.oid, 'UPDATE') then 'UPDATE' end,
                case when has_table_privilege(${RUNTIME_ROLE}, c.oid, 'DELETE') then 'DELETE' end,
                case when has_table_privilege(${RUNTIME_ROLE}, c.oid, 'TRUNCATE') then 'TRUNCATE' end,
                case when has_table_privilege(${RUNTIME_ROLE}, c.oid, 'REFERENCES') then 'REFERENCES' end,
                case when has_table_privilege(${RUNTIME_ROLE}, c.oid, 'TRIGGER') then 'TRIGGER' end], null) as grants,
              pg_get_userbyid(c.relowner) as owner
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`,
      )
    : [];

  const reports = tables.map((t): TableReport => {
    const scope = t.has_tenant_id ? 'tenant' : SPECIAL.has(t.table) ? 'special' : 'other';
    const problems: string[] = [];
    if (scope !== 'other') {
      if (!t.enabled) problems.push('row level security is disabled');
      if (!t.forced) problems.push('row level security is not forced');
      if (!t.tenant_policy) problems.push('no policy on app.current_tenant_id');
    } else if (t.grants.length) {
      problems.push(`${RUNTIME_ROLE} may read a table that is not tenant-scoped`);
    }
    if (APPEND_ONLY.has(t.table)) {
      for (const g of ['UPDATE', 'DELETE']) if (t.grants.includes(g)) problems.push(`append-only table grants ${g}`);
    }
    for (const g of NEVER_GRANTED) if (t.grants.includes(g)) problems.push(`grants ${g}`);
    if (scope === 'tenant' && !t.grants.includes('SELECT')) problems.push(`${RUNTIME_ROLE} cannot read it`);
    if (t.owner === RUNTIME_ROLE) problems.push(`owned by ${RUNTIME_ROLE}`);
    return {
      table: t.table,
      scope,
      rlsEnabled: t.enabled,
      rlsForced: t.forced,
      policies: t.policies,
      grants: t.grants.filter((g) => g === 'SELECT' || WRITE_GRANTS.includes(g) || NEVER_GRANTED.includes(g)),
      problems,
    };
  });
  if (role && !reports.some((r) => r.scope === 'tenant')) {
    roles.push({ role: 'schema', ok: false, detail: 'no tenant tables found: run `anthias migrate`' });
  }
  return { ok: roles.every((r) => r.ok) && reports.every((r) => r.problems.length === 0), tables: reports, roles };
}

async function loginRoleReport(db: Database, login: string): Promise<RoleReport> {
  const [r] = await rows<{ superuser: boolean; bypass: boolean; member: boolean; owns: number }>(
    db,
    sql`select r.rolsuper as superuser, r.rolbypassrls as bypass,
          pg_has_role(r.oid, ${RUNTIME_ROLE}, 'MEMBER') as member,
          (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relowner = r.oid and n.nspname = 'public') as owns
        from pg_roles r where r.rolname = ${login}`,
  );
  if (!r) return { role: login, ok: false, detail: 'the login role of DATABASE_URL does not exist' };
  return {
    role: login,
    ok: !r.superuser && !r.bypass && r.member && r.owns === 0,
    detail: `superuser=${r.superuser} bypassrls=${r.bypass} member of ${RUNTIME_ROLE}=${r.member} owns=${r.owns}`,
  };
}
