import { randomBytes } from 'node:crypto';
import type { Sql } from 'postgres';
import { hashPassword } from '../src/auth/passwords.js';
import { sha256 } from '../src/auth/tokens.js';

export const SHAPE = { tenants: 200, members: 20, assets: 500, devices: 50 } as const;
export const PASSWORD = 'Bench-password-1';

/** Members 5 and 6 of every tenant are editors; their sessions drive `list` and `create`. */
const SESSION_MEMBERS = [5, 6];
/** Device 0 has no time zone (the tenant's applies: one more statement), device 1 has its own. */
const KEYED_DEVICES = [0, 1];
/**
 * Each tenant's asset quota, past the professional plan's 1,000: the longest run (--duration 60)
 * creates some 2,500 assets a tenant on top of the seeded 500. The quota is still checked on every create.
 */
const MAX_ASSETS = 10_000;

export type Editor = { tenantId: string; subdomain: string; userId: string; email: string };
export type DeviceCredential = { tenantId: string; deviceId: string; key: string };
export type Seeded = { editors: Editor[]; devices: DeviceCredential[]; activeShare: number };

/**
 * Bulk data as the owner, set-based. Ids are md5-derived from (tenant, member) so rows can
 * reference each other without joins; member m of tenant t has role owner (1), admin (2–4),
 * editor (5–14) or viewer (15–20).
 */
export async function seed(sql: Sql): Promise<Seeded> {
  const { tenants, members, assets, devices } = SHAPE;
  // One argon2id hash for every user: hashing 4,000 would take longer than the whole benchmark.
  const hash = await hashPassword(PASSWORD);

  await sql`
    insert into tenants (id, name, subdomain, plan, max_assets, settings, contact_email)
    select md5('bench-tenant:' || t)::uuid, 'Bench ' || lpad(t::text, 3, '0'), 'bench' || lpad(t::text, 3, '0'),
      'professional', ${MAX_ASSETS}::int,
      jsonb_build_object('timezone', (array['UTC', 'Europe/London', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'])[1 + t % 5]),
      'ops@bench' || lpad(t::text, 3, '0') || '.example'
    from generate_series(1, ${tenants}::int) t`;

  await sql`
    insert into users (id, email, password_hash, display_name, email_verified_at)
    select md5('bench-user:' || t || ':' || m)::uuid,
      'bench' || lpad(t::text, 3, '0') || '-m' || lpad(m::text, 2, '0') || '@bench.example', ${hash}, 'Member ' || m, now()
    from generate_series(1, ${tenants}::int) t, generate_series(1, ${members}::int) m`;

  await sql`
    insert into tenant_users (tenant_id, user_id, role)
    select md5('bench-tenant:' || t)::uuid, md5('bench-user:' || t || ':' || m)::uuid,
      case when m = 1 then 'owner' when m <= 4 then 'admin' when m <= 14 then 'editor' else 'viewer' end
    from generate_series(1, ${tenants}::int) t, generate_series(1, ${members}::int) m`;

  // e = i % 10 < 6: 60% enabled. s = (i / 10) % 10: 80% dated around now, 10% not started,
  // 10% undated or ended. w = (i / 3) % 10: 40% always on; the rest weekdays, weekends, office
  // hours, a window across midnight, or one lunch hour on three days.
  await sql`
    insert into assets (tenant_id, name, uri, md5, mimetype, duration, start_date, end_date, is_enabled,
      play_order, play_days, play_time_from, play_time_to, labels, created_by, updated_by, created_at, updated_at)
    select md5('bench-tenant:' || t)::uuid,
      'Asset ' || lpad(i::text, 3, '0'),
      'https://cdn.example.com/bench' || lpad(t::text, 3, '0') || '/' || i || case when i % 10 = 9 then '.mp4' else '.jpg' end,
      case when i % 3 = 0 then md5('asset:' || t || ':' || i) end,
      case when i % 10 = 9 then 'video' when i % 10 = 8 then 'webpage' else 'image' end,
      case when i % 10 = 9 then 0 else 5 + i % 26 end,
      case when (i / 10) % 10 < 8 then now() - make_interval(days => 1 + i % 30)
           when (i / 10) % 10 = 8 then now() + interval '2 days'
           when i % 2 = 0 then now() - interval '60 days' end,
      case when (i / 10) % 10 < 8 then now() + make_interval(days => 1 + i % 60)
           when (i / 10) % 10 = 8 then now() + interval '30 days'
           when i % 2 = 0 then now() - interval '1 day' end,
      i % 10 < 6,
      i,
      case (i / 3) % 10 when 4 then '{1,2,3,4,5}'::smallint[] when 5 then '{6,7}'::smallint[]
        when 9 then '{1,3,5}'::smallint[] else '{1,2,3,4,5,6,7}'::smallint[] end,
      case (i / 3) % 10 when 6 then '09:00'::time when 7 then '22:00'::time when 8 then '07:00'::time when 9 then '12:00'::time end,
      case (i / 3) % 10 when 6 then '17:00'::time when 7 then '06:00'::time when 8 then '19:00'::time when 9 then '13:00'::time end,
      case when i % 13 = 0 then '{lobby}'::text[] when i % 17 = 0 then '{kitchen}'::text[] else '{}'::text[] end,
      md5('bench-user:' || t || ':' || (1 + i % ${members}::int))::uuid,
      md5('bench-user:' || t || ':' || (1 + i % ${members}::int))::uuid,
      now() - make_interval(mins => 7 * i, secs => t),
      now() - make_interval(mins => 7 * i, secs => t)
    from generate_series(1, ${tenants}::int) t, generate_series(0, ${assets - 1}::int) i`;

  // Keys are minted here, as src/auth/tokens.ts mintKey does, so their secrets are known.
  const rows = { t: [] as number[], d: [] as number[], prefix: [] as string[], hash: [] as string[] };
  const keys = new Map<string, string>();
  const prefixes = new Set<string>();
  for (let t = 1; t <= tenants; t++) {
    for (let d = 0; d < devices; d++) {
      let prefix = randomBytes(6).toString('hex');
      while (prefixes.has(prefix)) prefix = randomBytes(6).toString('hex');
      prefixes.add(prefix);
      const secret = randomBytes(32).toString('base64url');
      rows.t.push(t);
      rows.d.push(d);
      rows.prefix.push(prefix);
      rows.hash.push(sha256(secret));
      if (KEYED_DEVICES.includes(d)) keys.set(prefix, `anthias_dk_${prefix}_${secret}`);
    }
  }
  await sql`
    insert into devices (tenant_id, name, timezone, labels, key_prefix, key_hash, created_by)
    select md5('bench-tenant:' || k.t)::uuid, 'Screen ' || lpad(k.d::text, 2, '0'),
      case when k.d % 3 = 0 then null else (array['UTC', 'Europe/Paris', 'America/Chicago', 'Asia/Singapore'])[1 + k.d % 4] end,
      case k.d % 5 when 0 then '{lobby}'::text[] when 1 then '{kitchen}'::text[] else '{}'::text[] end,
      k.prefix, k.hash, md5('bench-user:' || k.t || ':1')::uuid
    from unnest(${rows.t}::int[], ${rows.d}::int[], ${rows.prefix}::text[], ${rows.hash}::text[]) as k(t, d, prefix, hash)`;

  const editors = await sql<Editor[]>`
    select t.id as "tenantId", t.subdomain, u.id as "userId", u.email
    from generate_series(1, ${tenants}::int) n cross join unnest(${SESSION_MEMBERS}::int[]) m
    join users u on u.id = md5('bench-user:' || n || ':' || m)::uuid
    join tenants t on t.id = md5('bench-tenant:' || n)::uuid
    order by n, m`;
  const keyed = await sql<{ tenantId: string; deviceId: string; prefix: string }[]>`
    select tenant_id as "tenantId", id as "deviceId", key_prefix as prefix
    from devices where key_prefix = any(${[...keys.keys()]}::text[]) order by tenant_id, name`;
  // A rough share of enabled assets that play now (UTC clock, ignoring the devices' zones).
  const [share] = await sql<{ share: number }[]>`
    select avg(case when start_date < now() and end_date > now()
      and extract(isodow from now())::smallint = any(play_days)
      and (play_time_from is null or (play_time_from < play_time_to and now()::time >= play_time_from and now()::time < play_time_to)
        or (play_time_from > play_time_to and (now()::time >= play_time_from or now()::time < play_time_to)))
      then 1.0 else 0.0 end)::float8 as share
    from assets where is_enabled`;
  return {
    editors: [...editors],
    devices: keyed.map((d) => ({ tenantId: d.tenantId, deviceId: d.deviceId, key: keys.get(d.prefix)! })),
    activeShare: share?.share ?? 0,
  };
}
