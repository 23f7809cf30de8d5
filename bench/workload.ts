import { readFileSync } from 'node:fs';
import type { ManifestEntry } from '../src/persisted/manifest.js';

export const OPS = ['list', 'playlist', 'create'] as const;
export type Op = (typeof OPS)[number];
/** The gateway, the raw SQL baseline, and (playlist only) the Redis-GET baseline. */
export type Target = 'gateway' | 'baseline' | 'redis';

/** A member with a session token, for `list` and `create`. */
export type Session = { tenantId: string; subdomain: string; userId: string; token: string };
/** A screen with its device key, for `playlist`. */
export type Screen = { tenantId: string; deviceId: string; key: string };
export type Credentials = { sessions: Session[]; screens: Screen[] };

export type Call = { method: 'POST'; path: string; headers: Record<string, string>; body: string };

export const LIST_QUERY =
  'query List { assets(first: 50, filter: { enabled: true }) { nodes { id name uri mimetype duration isEnabled playOrder createdAt createdBy { email } } } }';
export const CREATE_MUTATION =
  'mutation Create($input: CreateAssetInput!) { createAsset(input: $input) { id name uri mimetype duration playOrder createdAt } }';
export const LOGIN_MUTATION = 'mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token } }';

/** The hash firmware sends: the newest DevicePlaylist in the manifest that is not retired. */
export function playlistHash(manifestPath: string): string {
  const entries = Object.entries(JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, ManifestEntry>);
  const hash = entries.filter(([, e]) => e.operation === 'DevicePlaylist' && !e.retiredAt).at(-1)?.[0];
  if (!hash) throw new Error(`no DevicePlaylist document in ${manifestPath}`);
  return hash;
}

const JSON_HEADERS = { 'content-type': 'application/json', 'user-agent': 'anthias-bench' };

/**
 * Requests for one operation against one target, rotating over tenants and credentials on
 * every call. Both targets get the same credential in the same order; the baseline is told the
 * ids the gateway would derive from the credential.
 */
export function callsFor(op: Op, target: Target, creds: Credentials, hash: string): () => Call {
  let n = 0;
  const nth = <T>(list: T[]): T => list[n++ % list.length]!;
  const gateway = target === 'gateway';
  if (target === 'redis' && op !== 'playlist') throw new Error('the Redis-GET baseline answers only the playlist');
  if (op === 'playlist') {
    const body = JSON.stringify({ variables: {}, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    return () => {
      const s = nth(creds.screens);
      return gateway
        ? { method: 'POST', path: '/graphql', headers: { ...JSON_HEADERS, authorization: `Bearer ${s.key}` }, body }
        : { method: 'POST', path: '/playlist', headers: { ...JSON_HEADERS, 'x-tenant-id': s.tenantId, 'x-device-id': s.deviceId }, body };
    };
  }
  const listBody = JSON.stringify({ query: LIST_QUERY });
  let created = 0;
  return () => {
    const s = nth(creds.sessions);
    const headers = gateway
      ? { ...JSON_HEADERS, authorization: `Bearer ${s.token}`, 'x-tenant-id': s.subdomain }
      : { ...JSON_HEADERS, 'x-tenant-id': s.tenantId, 'x-user-id': s.userId };
    const path = gateway ? '/graphql' : `/${op}`;
    if (op === 'list') return { method: 'POST', path, headers, body: listBody };
    created++;
    const input = { name: `Bench ${target} ${created}`, uri: `https://cdn.example.com/new/${target}-${created}.png`, mimetype: 'image', duration: 10 };
    return { method: 'POST', path, headers, body: JSON.stringify({ query: CREATE_MUTATION, variables: { input } }) };
  };
}

/** Alternates `list` and `playlist` (the soak's mix) on the gateway. */
export function mixedCalls(creds: Credentials, hash: string): () => Call {
  const list = callsFor('list', 'gateway', creds, hash);
  const playlist = callsFor('playlist', 'gateway', creds, hash);
  let n = 0;
  return () => (n++ % 2 === 0 ? list() : playlist());
}

/** What a successful response must contain, beyond having no `errors`. */
export function checkData(op: Op, data: unknown): string | null {
  const d = data as Record<string, Record<string, unknown> | null> | null;
  if (op === 'list') {
    const nodes = (d?.assets as { nodes?: unknown[] } | null)?.nodes;
    return Array.isArray(nodes) && nodes.length > 0 ? null : 'assets.nodes is empty or missing';
  }
  if (op === 'playlist') {
    const p = d?.devicePlaylist;
    return p && typeof p.etag === 'string' && Array.isArray(p.assets) ? null : 'devicePlaylist has no etag or assets';
  }
  return typeof d?.createAsset?.id === 'string' ? null : 'createAsset.id is missing';
}
