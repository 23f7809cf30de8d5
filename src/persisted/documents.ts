import { type HTTPGraphQLRequest, HeaderMap } from '@apollo/server';
import type { KeyValueStore } from '../cache/kv-store.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Limiter } from '../limits/limiter.js';
import type { LimitName } from '../limits/policies.js';
import { documentHash, type Manifest } from './manifest.js';

/** Where the request's document came from, as far as the trusted manifest is concerned. */
export type DocumentOrigin = 'trusted' | 'untrusted' | 'unknown-hash' | 'none';

/**
 * A request's document, found before Apollo sees the request: a trusted (manifest) hash or an
 * automatic persisted query (APQ) is replaced by its text; a document sent with its hash may be
 * registered once it has run (`register`); `refusal` is a coded error the scope answers with.
 */
export type DocumentResolution = {
  request: HTTPGraphQLRequest;
  origin: DocumentOrigin;
  refusal?: AppError;
  register?: { hash: string; query: string };
};

type PersistedExtension = { version?: unknown; sha256Hash?: unknown };
type Read = { query?: string; persisted?: PersistedExtension };

const SHA256 = /^[0-9a-f]{64}$/;
const apqKey = (hash: string) => `apq:${hash}`;
// Registered documents live a day: long enough for clients to benefit, short enough to stay bounded.
export const APQ_TTL_SECONDS = 86_400;

const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function read(req: HTTPGraphQLRequest): Read {
  if (req.method === 'GET') {
    const params = new URLSearchParams(req.search);
    let extensions: { persistedQuery?: PersistedExtension } | undefined;
    try {
      extensions = JSON.parse(params.get('extensions') ?? 'null') as typeof extensions;
    } catch {
      extensions = undefined; // Apollo answers the malformed parameter itself
    }
    return { query: params.get('query') ?? undefined, persisted: extensions?.persistedQuery };
  }
  const body = req.body as { query?: unknown; extensions?: { persistedQuery?: PersistedExtension } } | null;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  return { query: asString(body.query), persisted: body.extensions?.persistedQuery };
}

/** The request Apollo gets: the document's text, and no persisted-query extension (handled here). */
function rewrite(req: HTTPGraphQLRequest, query: string | undefined): HTTPGraphQLRequest {
  if (req.method === 'GET') {
    const params = new URLSearchParams(req.search);
    if (query !== undefined) params.set('query', query);
    const extensions = params.get('extensions');
    if (extensions) {
      try {
        const { persistedQuery: _drop, ...rest } = JSON.parse(extensions) as Record<string, unknown>;
        if (Object.keys(rest).length) params.set('extensions', JSON.stringify(rest));
        else params.delete('extensions');
      } catch {
        // left for Apollo to refuse
      }
    }
    return { ...req, search: `?${params.toString()}` };
  }
  const { extensions, ...body } = req.body as { extensions?: Record<string, unknown> };
  const { persistedQuery: _drop, ...rest } = extensions ?? {};
  return { ...req, body: { ...body, ...(query !== undefined ? { query } : {}), ...(Object.keys(rest).length ? { extensions: rest } : {}) } };
}

/** Apollo's APQ protocol answers an unknown hash with 200 and an uncacheable body; clients then send the text. */
const notFound = () =>
  new AppError('PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound', {
    http: { status: 200, headers: new HeaderMap([['cache-control', 'private, no-cache, must-revalidate']]) },
  });

export async function resolveDocument(req: HTTPGraphQLRequest, manifest: Manifest, store: KeyValueStore): Promise<DocumentResolution> {
  const { query, persisted } = read(req);
  if (!persisted) {
    const origin: DocumentOrigin = query === undefined ? 'none' : manifest.has(documentHash(query)) ? 'trusted' : 'untrusted';
    return { request: req, origin };
  }
  const hash = asString(persisted.sha256Hash);
  if (persisted.version !== 1) return { request: req, origin: 'none', refusal: AppError.request('BAD_USER_INPUT', 'Only version 1 of persisted queries is supported') };
  if (!hash || !SHA256.test(hash)) return { request: req, origin: 'none', refusal: AppError.request('BAD_USER_INPUT', 'sha256Hash must be 64 lowercase hexadecimal characters') };
  if (query !== undefined && documentHash(query) !== hash) {
    return { request: req, origin: 'none', refusal: AppError.request('BAD_USER_INPUT', 'sha256Hash does not match the document') };
  }
  const trusted = manifest.get(hash);
  if (trusted !== undefined) return { request: rewrite(req, trusted), origin: 'trusted' };
  if (query !== undefined) return { request: rewrite(req, query), origin: 'untrusted', register: { hash, query } };
  // A store that is down answers "not found": the client sends the document again.
  const stored = await store.get(apqKey(hash)).catch(() => null);
  if (stored === null) return { request: rewrite(req, undefined), origin: 'unknown-hash', refusal: notFound() };
  return { request: rewrite(req, stored), origin: 'untrusted' };
}

/**
 * Stores a document that has run under its hash, for a day, within bounds: at most
 * APQ_MAX_DOCUMENT_BYTES, and within the registrations allowed per tenant (members, keys) or per
 * address (anonymous callers). Past them the document simply is not stored: the client keeps
 * sending its text. Never fails the request.
 */
export async function registerDocument(
  deps: { store: KeyValueStore; limiter: Limiter<LimitName>; config: Pick<Config, 'apqMaxDocumentBytes'> },
  document: { hash: string; query: string },
  caller: { tenantId: string | null; address: string },
): Promise<void> {
  if (Buffer.byteLength(document.query) > deps.config.apqMaxDocumentBytes) return;
  try {
    if (caller.tenantId) await deps.limiter.consume('apq.tenant', caller.tenantId);
    else await deps.limiter.consume('apq.address', caller.address);
    await deps.store.setIfAbsent(apqKey(document.hash), document.query, APQ_TTL_SECONDS);
  } catch {
    // Over the budget, or the store is down: not stored.
  }
}

/** Device keys, and every client under PERSISTED_QUERIES_ONLY, may run manifest documents only. */
export function requireTrusted(origin: DocumentOrigin): void {
  if (origin === 'trusted' || origin === 'none') return;
  if (origin === 'unknown-hash') throw AppError.request('PERSISTED_QUERY_NOT_FOUND', 'This persisted query is not in the trusted manifest');
  throw AppError.request('PERSISTED_QUERY_NOT_ALLOWED', 'Only trusted (manifest) documents may run here');
}

