import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { documentHash, type Manifest } from './manifest.js';

/** Where the request's document came from, as far as the trusted manifest is concerned. */
export type DocumentOrigin = 'trusted' | 'untrusted' | 'unknown-hash' | 'none';

type PersistedExtension = { persistedQuery?: { sha256Hash?: unknown } };

function readRequest(req: FastifyRequest): { query?: string; hash?: string } {
  if (req.method === 'GET') {
    const q = req.query as Record<string, string | undefined>;
    let extensions: PersistedExtension | undefined;
    try {
      extensions = q.extensions ? (JSON.parse(q.extensions) as PersistedExtension) : undefined;
    } catch {
      extensions = undefined; // Apollo answers the malformed parameter itself
    }
    const hash = extensions?.persistedQuery?.sha256Hash;
    return { query: q.query, hash: typeof hash === 'string' ? hash : undefined };
  }
  const body = req.body as { query?: unknown; extensions?: PersistedExtension } | null;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const hash = body.extensions?.persistedQuery?.sha256Hash;
  return { query: typeof body.query === 'string' ? body.query : undefined, hash: typeof hash === 'string' ? hash : undefined };
}

function injectQuery(req: FastifyRequest, document: string): void {
  if (req.method === 'GET') {
    const url = new URL(req.raw.url ?? '/', 'http://gateway');
    url.searchParams.set('query', document);
    req.raw.url = `${url.pathname}${url.search}`;
  } else {
    (req.body as { query?: string }).query = document;
  }
}

/**
 * Runs before Apollo: a request that names a manifest hash gets the manifest's document (so
 * firmware never sends text), and the request is labelled for the check in the context builder.
 */
export function resolveTrustedDocument(req: FastifyRequest, manifest: Manifest): DocumentOrigin {
  const { query, hash } = readRequest(req);
  if (hash && manifest.has(hash)) {
    if (query === undefined) injectQuery(req, manifest.get(hash)!);
    return 'trusted';
  }
  if (query !== undefined) return manifest.has(documentHash(query)) ? 'trusted' : 'untrusted';
  return hash ? 'unknown-hash' : 'none';
}

/** Device keys, and every client under PERSISTED_QUERIES_ONLY, may run manifest documents only. */
export function requireTrusted(origin: DocumentOrigin): void {
  if (origin === 'trusted' || origin === 'none') return;
  if (origin === 'unknown-hash') throw AppError.request('PERSISTED_QUERY_NOT_FOUND', 'This persisted query is not in the trusted manifest');
  throw AppError.request('PERSISTED_QUERY_NOT_ALLOWED', 'Only trusted (manifest) documents may run here');
}
