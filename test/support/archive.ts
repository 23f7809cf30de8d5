import { readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { Manifest } from '../../src/operations/backup/archive.js';

/** A small archive's entries as text, read with a plain tar reader (what an operator's `tar tzf` sees). */
export async function archiveEntries(file: string): Promise<Map<string, string>> {
  const extract = tar.extract();
  Readable.from(gunzipSync(readFileSync(file))).pipe(extract);
  const entries = new Map<string, string>();
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
    entries.set(entry.header.name, Buffer.concat(chunks).toString('utf8'));
  }
  return entries;
}

export async function archiveManifest(file: string): Promise<Manifest> {
  return JSON.parse((await archiveEntries(file)).get('manifest.json')!) as Manifest;
}

/** Rewrites bytes of the uncompressed tar (same length, so the tar stays well-formed) and gzips it again. */
export function editArchive(from: string, to: string, search: string, replacement: string): void {
  if (search.length !== replacement.length) throw new Error('an edit must keep the length');
  const text = gunzipSync(readFileSync(from)).toString('latin1');
  if (!text.includes(search)) throw new Error(`"${search}" is not in the archive`);
  writeFileSync(to, gzipSync(Buffer.from(text.replace(search, replacement), 'latin1')));
}
