import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MANIFEST_PATH = fileURLToPath(new URL('../../clients/device/manifest.json', import.meta.url));

export type ManifestEntry = { operation: string | null; document: string; addedAt: string; retiredAt?: string };

/** hash → document of every trusted document an operator has not retired. */
export type Manifest = ReadonlyMap<string, string>;

export const documentHash = (document: string): string => createHash('sha256').update(document).digest('hex');

/** Read once at start. A document whose text does not hash to its key would never match, so it is refused here. */
export function loadManifest(path = MANIFEST_PATH): Manifest {
  const entries = JSON.parse(readFileSync(path, 'utf8')) as Record<string, ManifestEntry>;
  const manifest = new Map<string, string>();
  for (const [hash, entry] of Object.entries(entries)) {
    if (documentHash(entry.document) !== hash) throw new Error(`trusted document ${hash} does not match its hash`);
    if (!entry.retiredAt) manifest.set(hash, entry.document);
  }
  return manifest;
}
