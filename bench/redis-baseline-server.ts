/**
 * The Redis-GET baseline: the bound for a cached answer. A bare `node:http` server that answers
 * the device playlist with one GET of the gateway's own per-device cache entry (same key shape,
 * `playlist:<tenant>:<device>` under the gateway's prefix) and the gateway's JSON. It trusts
 * X-Tenant-ID / X-Device-ID and does not compute a missing entry (that is an error): it measures
 * what a cache hit costs, not a secure server. Env: PORT, REDIS_URL, REDIS_PREFIX.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import { type CachedPlaylist, entryParts } from '../src/modules/devices/playlist-cache.js';

const port = Number(process.env.PORT);
const url = process.env.REDIS_URL;
if (!url || !Number.isInteger(port) || port <= 0) {
  process.stderr.write('redis baseline: PORT and REDIS_URL are required\n');
  process.exit(2);
}
const redis = new Redis(url, { keyPrefix: process.env.REDIS_PREFIX ?? '', maxRetriesPerRequest: 1, enableOfflineQueue: false });
redis.on('error', () => {});

const header = (req: IncomingMessage, name: string): string | null => {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? null;
};

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    'server-timing': 'sql;desc="statements";dur=0',
  });
  res.end(json);
}

async function playlist(tenantId: string, deviceId: string): Promise<unknown> {
  const raw = await redis.get(`playlist:${tenantId}:${deviceId}`);
  const parts = raw ? entryParts(raw) : null;
  const cached = parts ? ({ ...JSON.parse(parts.header), items: JSON.parse(parts.items) } as CachedPlaylist) : null;
  if (!cached || cached.validUntil <= Date.now()) return null;
  // The gateway's key order (the persisted DevicePlaylist document selects fields alphabetically).
  return {
    devicePlaylist: {
      assets: cached.items.map((a) => ({
        duration: a.duration, id: a.id, md5: a.md5, mimetype: a.mimetype, name: a.name, nocache: a.nocache,
        playOrder: a.playOrder, skipAssetCheck: a.skipAssetCheck, uri: a.uri,
      })),
      etag: cached.etag,
      nextChangeAt: cached.nextChangeAt === null ? null : new Date(cached.nextChangeAt).toISOString(),
      notModified: false,
      serverTime: new Date().toISOString(),
      timezone: cached.timezone,
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  // The body is not needed; drain it so the connection stays reusable.
  for await (const chunk of req as AsyncIterable<Buffer>) void chunk;
  if (req.url === '/readyz') {
    await redis.ping();
    return send(res, 200, { status: 'ok' });
  }
  if (req.url !== '/playlist') return send(res, 404, { errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND' } }] });
  const tenantId = header(req, 'x-tenant-id');
  const deviceId = header(req, 'x-device-id');
  if (!tenantId || !deviceId) return send(res, 400, { errors: [{ message: 'X-Tenant-ID and X-Device-ID are required', extensions: { code: 'BAD_USER_INPUT' } }] });
  const data = await playlist(tenantId, deviceId);
  if (!data) return send(res, 404, { errors: [{ message: 'No cached playlist for this device', extensions: { code: 'NOT_FOUND' } }] });
  send(res, 200, { data });
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    process.stderr.write(`redis baseline: ${err instanceof Error ? err.message : String(err)}\n`);
    if (!res.headersSent) send(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  redis.disconnect();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Orphaned (the runner was killed outright): stop rather than linger.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop();
}, 1_000).unref();
