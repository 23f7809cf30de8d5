/**
 * The raw baseline: the gateway's three benchmarked operations written directly against the
 * `postgres` driver, in the same tenant transaction the gateway opens, with the same JSON shape.
 * It trusts X-Tenant-ID / X-User-ID / X-Device-ID (uuids): it measures the stack's limit and is
 * not a secure server. Env: PORT, DATABASE_URL (the gateway's login role), DB_POOL_SIZE.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import postgres, { type TransactionSql } from 'postgres';
import { isActiveAt, nextChangeAt, type Schedule } from '../src/modules/assets/schedule.js';
import type { Plan } from '../src/db/schema/index.js';
import { PLAN_LIMITS } from '../src/modules/tenants/plans.js';

const port = Number(process.env.PORT);
const url = process.env.DATABASE_URL;
const poolSize = Number(process.env.DB_POOL_SIZE ?? 10);
if (!url || !Number.isInteger(port) || port <= 0) {
  process.stderr.write('baseline: PORT and DATABASE_URL are required\n');
  process.exit(2);
}

const sql = postgres(url, {
  max: poolSize,
  prepare: true,
  onnotice: () => {},
  connection: { application_name: 'anthias-bench-baseline' },
});

/** Counts statements like the gateway's Server-Timing: every statement sent, BEGIN and COMMIT included. */
type Scope = { tenantId: string; userId: string | null; readOnly: boolean; statements: number };

async function inTenant<T>(scope: Scope, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
  scope.statements += 2;
  const result = await sql.begin(async (tx) => {
    await tx`select set_config('role', 'anthias_app', true),
      set_config('app.current_tenant_id', ${scope.tenantId}, true),
      set_config('app.current_user_id', ${scope.userId ?? ''}, true),
      set_config('transaction_read_only', ${scope.readOnly ? 'on' : 'off'}, true)`;
    scope.statements++;
    return fn(tx);
  });
  return result as T;
}

type ListRow = {
  id: string; name: string; uri: string; mimetype: string; duration: number;
  isEnabled: boolean; playOrder: number; createdAt: Date; createdBy: string | null;
};

async function list(scope: Scope) {
  return inTenant(scope, async (tx) => {
    const page = await tx<ListRow[]>`
      select id, name, uri, mimetype, duration, is_enabled as "isEnabled", play_order as "playOrder",
        created_at as "createdAt", created_by as "createdBy"
      from assets where is_enabled order by created_at desc, id desc limit 50`;
    const creatorIds = [...new Set(page.flatMap((a) => (a.createdBy ? [a.createdBy] : [])))];
    const creators = await tx<{ id: string; email: string }[]>`select id, email from users where id = any(${creatorIds}::uuid[])`;
    scope.statements += 2;
    const emails = new Map(creators.map((u) => [u.id, u.email]));
    const nodes = page.map((a) => ({
      id: a.id, name: a.name, uri: a.uri, mimetype: a.mimetype, duration: a.duration, isEnabled: a.isEnabled,
      playOrder: a.playOrder, createdAt: a.createdAt.toISOString(),
      createdBy: a.createdBy && emails.has(a.createdBy) ? { email: emails.get(a.createdBy)! } : null,
    }));
    return { assets: { nodes } };
  });
}

type Candidate = Schedule & {
  id: string; name: string; uri: string; mimetype: string; duration: number; md5: string | null;
  nocache: boolean; skipAssetCheck: boolean; playOrder: number;
};

async function playlist(scope: Scope, deviceId: string) {
  const at = new Date();
  return inTenant(scope, async (tx) => {
    const [device] = await tx<{ timezone: string | null; labels: string[] }[]>`select timezone, labels from devices where id = ${deviceId}`;
    scope.statements++;
    if (!device) throw new Error('no such device');
    let timezone = device.timezone;
    if (!timezone) {
      const [tenant] = await tx<{ timezone: string | null }[]>`select settings->>'timezone' as timezone from tenants where id = ${scope.tenantId}`;
      scope.statements++;
      timezone = tenant?.timezone ?? 'UTC';
    }
    const candidates = await tx<Candidate[]>`
      select id, name, uri, mimetype, duration, md5, nocache, skip_asset_check as "skipAssetCheck", play_order as "playOrder",
        is_enabled as "isEnabled", start_date as "startDate", end_date as "endDate", play_days as "playDays",
        play_time_from as "playTimeFrom", play_time_to as "playTimeTo"
      from assets
      where is_enabled and start_date is not null and end_date > ${at}
        and (labels = '{}'::text[] or labels && ${device.labels}::text[])
      order by play_order, id`;
    scope.statements++;
    const zone = timezone;
    // Same key order as the gateway's items, so both hash the same playlist to the same etag.
    const items = candidates
      .filter((a) => isActiveAt(a, at, zone))
      .map((a) => ({
        id: a.id, name: a.name, uri: a.uri, mimetype: a.mimetype, duration: a.duration, md5: a.md5,
        nocache: a.nocache, skipAssetCheck: a.skipAssetCheck, playOrder: a.playOrder,
      }));
    const changes = candidates.map((a) => nextChangeAt(a, at, zone)?.getTime()).filter((t): t is number => t !== undefined);
    const etag = `"${createHash('sha256').update(JSON.stringify(items)).digest('base64url').slice(0, 27)}"`;
    return {
      devicePlaylist: {
        assets: items.map((a) => ({
          duration: a.duration, id: a.id, md5: a.md5, mimetype: a.mimetype, name: a.name, nocache: a.nocache,
          playOrder: a.playOrder, skipAssetCheck: a.skipAssetCheck, uri: a.uri,
        })),
        etag,
        nextChangeAt: changes.length ? new Date(Math.min(...changes)).toISOString() : null,
        notModified: false,
        serverTime: at.toISOString(),
        timezone: zone,
      },
    };
  });
}

type CreateInput = { name: string; uri: string; mimetype: string; duration: number };
type AssetRow = Record<string, unknown> & { id: string; name: string; uri: string; mimetype: string; duration: number; play_order: number; created_at: Date };

/** The audited fields in the gateway's order and names (src/modules/assets/asset.service.ts AUDITED). */
const AUDITED: [string, string][] = [
  ['name', 'name'], ['uri', 'uri'], ['md5', 'md5'], ['mimetype', 'mimetype'], ['duration', 'duration'],
  ['startDate', 'start_date'], ['endDate', 'end_date'], ['isEnabled', 'is_enabled'], ['isProcessing', 'is_processing'],
  ['nocache', 'nocache'], ['playOrder', 'play_order'], ['skipAssetCheck', 'skip_asset_check'], ['playDays', 'play_days'],
  ['playTimeFrom', 'play_time_from'], ['playTimeTo', 'play_time_to'], ['labels', 'labels'],
];

async function create(scope: Scope, input: CreateInput, client: { ip: string | null; userAgent: string | null }) {
  if (!input.name?.trim() || !['image', 'video', 'webpage'].includes(input.mimetype) || !/^https?:$/.test(new URL(input.uri).protocol)) {
    throw new Error('bad input');
  }
  return inTenant(scope, async (tx) => {
    // The plan's asset quota, checked as the gateway checks it: lock the tenant row, then count.
    const [tenant] = await tx<{ plan: Plan; max_assets: number | null }[]>`select plan, max_assets from tenants where id = ${scope.tenantId} for update`;
    const [used] = await tx<{ n: number }[]>`select count(*)::int as n from assets`;
    scope.statements += 2;
    if (used!.n + 1 > (tenant!.max_assets ?? PLAN_LIMITS[tenant!.plan].maxAssets)) throw new Error('quota exceeded');
    const [row] = await tx<AssetRow[]>`
      insert into assets (tenant_id, name, uri, mimetype, duration, play_order, created_by, updated_by)
      values (${scope.tenantId}, ${input.name.trim()}, ${input.uri}, ${input.mimetype}, ${input.duration},
        (select coalesce(max(play_order) + 1, 0) from assets), ${scope.userId}, ${scope.userId})
      returning *`;
    const changes = Object.fromEntries(
      AUDITED.map(([key, column]) => {
        const v = row![column];
        return [key, { after: (v instanceof Date ? v.toISOString() : v) as postgres.JSONValue }];
      }),
    );
    await tx`
      insert into audit_logs (tenant_id, actor_type, actor_id, action, target_type, target_id, changes, request_id, ip_address, user_agent)
      values (${scope.tenantId}, 'user', ${scope.userId}, 'asset.create', 'asset', ${row!.id}, ${tx.json(changes)},
        ${randomUUID()}, ${client.ip}, ${client.userAgent})`;
    scope.statements += 2;
    return {
      createAsset: {
        id: row!.id, name: row!.name, uri: row!.uri, mimetype: row!.mimetype, duration: row!.duration,
        playOrder: row!.play_order, createdAt: row!.created_at.toISOString(),
      },
    };
  });
}

const MAX_BODY = 100_000;

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk);
  }
  return size ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

const header = (req: IncomingMessage, name: string): string | null => {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? null;
};

function send(res: ServerResponse, status: number, body: unknown, statements?: number): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    ...(statements === undefined ? {} : { 'server-timing': `sql;desc="statements";dur=${statements}` }),
  });
  res.end(json);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.url === '/readyz') {
    await sql`select 1`;
    return send(res, 200, { status: 'ok' });
  }
  const body = (await readBody(req)) as { variables?: { input?: CreateInput } };
  const tenantId = header(req, 'x-tenant-id');
  if (!tenantId) return send(res, 400, { errors: [{ message: 'X-Tenant-ID is required', extensions: { code: 'BAD_USER_INPUT' } }] });
  const userId = header(req, 'x-user-id');
  const scope: Scope = { tenantId, userId, readOnly: req.url !== '/create', statements: 0 };
  let data: unknown;
  if (req.url === '/list') data = await list(scope);
  else if (req.url === '/playlist') data = await playlist(scope, header(req, 'x-device-id') ?? '');
  else if (req.url === '/create') {
    data = await create(scope, body.variables!.input!, { ip: req.socket.remoteAddress ?? null, userAgent: header(req, 'user-agent') });
  } else return send(res, 404, { errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND' } }] });
  send(res, 200, { data }, scope.statements);
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    process.stderr.write(`baseline: ${err instanceof Error ? err.message : String(err)}\n`);
    if (!res.headersSent) send(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  await sql.end({ timeout: 5 });
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// Orphaned (the runner was killed outright): stop rather than hold the pool open forever.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop();
}, 1_000).unref();
