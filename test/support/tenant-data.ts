import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../src/db/client.js';
import { rows } from '../../src/db/rows.js';
import { createTenant } from '../../src/modules/tenants/tenant-admin.service.js';
import { PASSWORD, uniq } from './harness.js';

export type Seeded = { id: string; subdomain: string; ownerId: string; ownerEmail: string };

/** A tenant with its owner, through the same service as `create-tenant`. */
export async function newTenant(db: Database, prefix = 't'): Promise<Seeded> {
  const subdomain = uniq(prefix);
  const ownerEmail = `${uniq('owner')}@example.test`;
  const { tenantId, userId } = await createTenant(db, { name: `Org ${subdomain}`, subdomain, plan: 'professional', ownerEmail, ownerPassword: PASSWORD });
  return { id: tenantId, subdomain, ownerId: userId, ownerEmail };
}

/**
 * Rows in every table a tenant has, with the shapes that make a restore hard: arrays, JSON,
 * inet, times, foreign keys between tenant tables and to accounts, ids inside JSON, a second
 * member, pending invitation, verified domain, device and API keys.
 */
export async function seedContent(db: Database, t: Seeded): Promise<void> {
  const s = t.subdomain;
  await db.execute(sql`
    with a as (
      insert into assets (tenant_id, name, uri, mimetype, duration, start_date, end_date, is_enabled, play_order, play_days, play_time_from, play_time_to, labels, created_by)
      select ${t.id}, 'asset ' || g, 'https://cdn.example.test/' || g || '.png', 'image', 10 + g, now() - interval '1 day', now() + interval '30 days',
             g % 2 = 0, g, '{1,3,5}', '08:00', '18:30:15.5', array['lobby', 'floor-' || g], ${t.ownerId}
      from generate_series(1, 5) g returning id, name)
    insert into qr_contents (tenant_id, name, target_url, asset_id, code, scan_count, created_by)
    select ${t.id}, 'qr for ' || a.name, 'https://example.test/' || a.name, a.id, substr(md5(random()::text), 1, 10), 7, ${t.ownerId} from a`);
  await db.execute(sql`
    insert into devices (tenant_id, name, location, timezone, labels, key_prefix, key_hash, last_seen_at, player_version, last_address, created_by)
    select ${t.id}, 'screen ' || g, 'hall', 'Europe/Berlin', '{lobby}', substr(md5(random()::text), 1, 12), md5(random()::text), now(), '1.2.' || g, ('192.0.2.' || g)::inet, ${t.ownerId}
    from generate_series(1, 3) g`);
  await db.execute(sql`
    insert into api_keys (tenant_id, name, prefix, key_hash, permissions, created_by, expires_at)
    values (${t.id}, 'ci', substr(md5(random()::text), 1, 12), md5(random()::text), '{assets.view,assets.create}', ${t.ownerId}, now() + interval '90 days')`);
  await db.execute(sql`
    insert into invitations (tenant_id, email, role, token_hash, invited_by, expires_at)
    values (${t.id}, ${`invitee-${s}@example.test`}, 'editor', md5(random()::text), ${t.ownerId}, now() + interval '3 days')`);
  await db.execute(sql`
    insert into tenant_domains (tenant_id, hostname, verification_token, verified_at)
    values (${t.id}, ${`screens.${s}.example.test`}, md5(random()::text), now())`);
  await db.execute(sql`
    with u as (insert into users (email, password_hash, display_name) values (${`editor-${s}@example.test`}, 'not-a-real-hash', 'Ed') returning id)
    insert into tenant_users (tenant_id, user_id, role, permissions) select ${t.id}, u.id, 'editor', '{audit.view}' from u`);
  await db.execute(sql`
    insert into idempotency_keys (tenant_id, principal, key, request_hash, response)
    select ${t.id}, 'user:' || ${t.ownerId}, 'retry-' || a.id, md5(a.id::text), jsonb_build_object('data', jsonb_build_object('id', a.id))
    from assets a where a.tenant_id = ${t.id} limit 2`);
  await db.execute(sql`
    insert into audit_logs (tenant_id, actor_type, actor_id, action, target_type, target_id, changes, request_id, ip_address, user_agent)
    select ${t.id}, 'user', ${t.ownerId}, 'asset.update', 'asset', a.id,
           jsonb_build_object('name', jsonb_build_object('before', 'old', 'after', a.name), 'assetId', jsonb_build_object('after', a.id)),
           gen_random_uuid()::text, '198.51.100.7', 'test'
    from assets a where a.tenant_id = ${t.id}`);
}

/** Two tenants with content in every table: what each isolation, backup and offboarding test starts from. */
export async function twoTenants(db: Database, prefix: string): Promise<[Seeded, Seeded]> {
  const pair: [Seeded, Seeded] = [await newTenant(db, `${prefix}a`), await newTenant(db, `${prefix}b`)];
  for (const t of pair) await seedContent(db, t);
  return pair;
}

/** A table no code knows about, protected the way every tenant table is: only the catalog can find it. */
export async function addTenantTable(db: Database, ddl: SQL): Promise<void> {
  await db.execute(ddl);
  await db.execute(sql`select anthias_apply_rls()`);
}

/** Every table of schema public with a tenant_id column. */
export async function tenantTableNames(db: Database): Promise<string[]> {
  const found = await rows<{ table: string }>(
    db,
    sql`select c.relname as table from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r'
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
        order by 1`,
  );
  return found.map((t) => t.table);
}

/** Each tenant table's rows for the tenant, as an md5 of its sorted row JSON; accounts without password hashes. */
export async function tenantFingerprint(db: Database, tenantId: string, auditIds?: string[]): Promise<Record<string, string>> {
  const tables = await tenantTableNames(db);
  const digest = async (from: SQL) =>
    (await rows<{ h: string }>(db, sql`select count(*) || ':' || md5(coalesce(string_agg(r, '|' order by r), '')) as h
      from (select row_to_json(x)::text as r from (${from}) x) s`))[0]!.h;
  const result: Record<string, string> = {};
  for (const table of tables) {
    const audit = table === 'audit_logs' && auditIds ? sql` and id::text in (select value from json_array_elements_text(${JSON.stringify(auditIds)}::json))` : sql``;
    result[table] = await digest(sql`select * from ${sql.identifier(table)} where tenant_id = ${tenantId}${audit}`);
  }
  result.tenants = await digest(sql`select * from tenants where id = ${tenantId}`);
  result.users = await digest(sql`select id, email, display_name, created_at, updated_at from users
    where id in (select user_id from tenant_users where tenant_id = ${tenantId})`);
  return result;
}

export async function auditIdsOf(db: Database, tenantId: string): Promise<string[]> {
  return (await rows<{ id: string }>(db, sql`select id::text from audit_logs where tenant_id = ${tenantId}`)).map((r) => r.id);
}

/** Row counts of every table in schema public. */
export async function rowCounts(db: Database): Promise<Record<string, number>> {
  const tables = await rows<{ table: string }>(
    db,
    sql`select c.relname as table from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r' order by 1`,
  );
  const counts: Record<string, number> = {};
  for (const { table } of tables) counts[table] = (await rows<{ n: number }>(db, sql`select count(*)::int as n from ${sql.identifier(table)}`))[0]!.n;
  return counts;
}
