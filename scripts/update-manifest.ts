import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';
import { MANIFEST_PATH, type ManifestEntry } from '../src/persisted/manifest.js';

// Folds codegen's hash → document list into the trusted-document manifest. Entries are only ever
// added: firmware in the field keeps sending hashes that shipped years ago.
const generated = fileURLToPath(new URL('../clients/device/generated/persisted-documents.json', import.meta.url));
const fresh = JSON.parse(readFileSync(generated, 'utf8')) as Record<string, string>;
const manifest = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as Record<string, ManifestEntry>;

let added = 0;
for (const [key, document] of Object.entries(fresh)) {
  const hash = key.replace(/^sha256:/, '');
  if (manifest[hash]) continue;
  const operation = parse(document).definitions.find((d) => d.kind === 'OperationDefinition');
  manifest[hash] = {
    operation: operation && 'name' in operation ? (operation.name?.value ?? null) : null,
    document,
    addedAt: new Date().toISOString().slice(0, 10),
  };
  added++;
}
writeFileSync(MANIFEST_PATH, `${JSON.stringify(manifest, null, 2)}\n`);
process.stdout.write(`trusted documents: ${Object.keys(manifest).length} (${added} added)\n`);
