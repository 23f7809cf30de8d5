import { readFileSync } from 'node:fs';
import { MANIFEST_PATH, type ManifestEntry } from '../../src/persisted/manifest.js';
import type { Harness } from './harness.js';

const manifest = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as Record<string, ManifestEntry>;

/** Hashes of the trusted documents for an operation, oldest first (shipped firmware versions). */
export const manifestHashes = (operation: string): string[] =>
  Object.entries(manifest)
    .filter(([, e]) => e.operation === operation)
    .map(([hash]) => hash);

/** The exact text of an operation's newest trusted document. */
export const manifestDocument = (operation: string): string => manifest[currentHash(operation)]!.document;

/** The newest trusted hash of an operation: what current firmware sends. */
export const currentHash = (operation: string): string => manifestHashes(operation).at(-1)!;

/** Sends a trusted document by hash only, as firmware does. */
export function byHash<T>(h: Harness, operation: string, variables: Record<string, unknown>, key?: string, hash = currentHash(operation)) {
  return h
    .post(JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }), key ? { authorization: `Bearer ${key}` } : {})
    .then((r) => ({ status: r.status, headers: r.headers, body: JSON.parse(r.text) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] } }));
}

export const CREATE_DEVICE = `mutation($input: CreateDeviceInput!) { createDevice(input: $input) { deviceKey device { id name status timezone effectiveTimezone labels keyPrefix } } }`;
