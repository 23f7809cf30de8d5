import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import type { MigrationLevel } from '../../db/migration-level.js';
import { AppError, badInput } from '../../errors.js';

/**
 * A tenant's backup: one gzipped tar holding `manifest.json` first, then one part per table,
 * each a file of JSON lines (one row per line, as PostgreSQL's row_to_json prints it), in the
 * order a restore loads them. Parts are written to a work folder first, since a tar header
 * needs each part's size; the manifest carries each part's SHA-256 and row count.
 */
export const ARCHIVE_FORMAT = 'anthias-tenant-backup';
export const FORMAT_VERSION = 1;
const MANIFEST = 'manifest.json';
const MAX_MANIFEST_BYTES = 10 * 1024 * 1024;

export type PartInfo = { table: string; part: string; columns: string[]; rows: number; bytes: number; sha256: string };
export type OmittedColumn = { table: string; column: string; reason: string };
export type Manifest = {
  format: typeof ARCHIVE_FORMAT;
  formatVersion: number;
  migration: MigrationLevel;
  tenant: { id: string; subdomain: string };
  createdAt: string;
  durationMs: number;
  omittedColumns: OmittedColumn[];
  tables: PartInfo[];
};

/** One part being written: lines go to a file through a SHA-256, with the writer's backpressure. */
export class PartWriter {
  private readonly out: WriteStream;
  private readonly hash: Hash = createHash('sha256');
  rows = 0;
  bytes = 0;

  constructor(
    readonly path: string,
    readonly name: string,
  ) {
    this.out = createWriteStream(path);
  }

  async write(lines: string[]): Promise<void> {
    if (!lines.length) return;
    const chunk = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    this.hash.update(chunk);
    this.rows += lines.length;
    this.bytes += chunk.length;
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }

  async finish(table: string, columns: string[]): Promise<PartInfo> {
    this.out.end();
    await once(this.out, 'finish');
    return { table, part: this.name, columns, rows: this.rows, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
}

/** Packs the manifest and the parts (files in `workDir`) into `file`, atomically: a partial file never carries the final name. */
export async function packArchive(file: string, workDir: string, manifest: Manifest): Promise<void> {
  const partial = `${file}.partial`;
  const pack = tar.pack();
  const written = pipeline(pack, createGzip(), createWriteStream(partial, { flags: 'wx' }));
  try {
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    pack.entry({ name: MANIFEST, size: manifestBytes.length }, manifestBytes);
    for (const part of manifest.tables) {
      const path = join(workDir, part.part);
      const entry = pack.entry({ name: part.part, size: (await stat(path)).size });
      await pipeline(createReadStream(path), entry);
    }
    pack.finalize();
    await written;
    await rename(partial, file);
  } catch (err) {
    pack.destroy();
    await written.catch(() => {});
    await rm(partial, { force: true });
    throw err;
  }
}

const damaged = (detail: string) => badInput('archive', `is damaged or not a tenant backup (${detail})`);

/** Splits a stream of bytes into lines (rows), without holding more than a chunk. */
async function* linesOf(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of chunks) {
    const parts = (rest + decoder.write(chunk)).split('\n');
    rest = parts.pop()!;
    yield* parts;
  }
  rest += decoder.end();
  if (rest) yield rest;
}

type EntryHandler = (part: PartInfo, lines: AsyncIterable<string>) => Promise<void>;

/**
 * Streams the archive: checks the manifest (format, version), then hands each part's lines to
 * `onPart` in archive order. Damage (a flipped byte, a truncated file) surfaces as gzip's CRC or
 * length check, a SHA-256 mismatch or a row count mismatch, each as BAD_USER_INPUT.
 */
async function streamArchive(file: string, onManifest: (m: Manifest) => void, onPart: EntryHandler): Promise<Manifest> {
  const extract = tar.extract();
  const source = pipeline(createReadStream(file), createGunzip(), extract);
  source.catch(() => {}); // awaited below; the entries loop may fail first
  let manifest: Manifest | undefined;
  const seen = new Set<string>();
  // The handler's own errors (a refused restore, a database error) pass unchanged; any other is damage.
  let handlerError: { err: unknown } | undefined;
  try {
    for await (const entry of extract) {
      const name = entry.header.name;
      if (!manifest) {
        if (name !== MANIFEST) throw damaged(`it must begin with ${MANIFEST}`);
        manifest = parseManifest(await readSmall(entry as AsyncIterable<Buffer>));
        try {
          onManifest(manifest);
        } catch (err) {
          handlerError = { err };
          throw err;
        }
        continue;
      }
      const part = manifest.tables.find((t) => t.part === name);
      if (!part || seen.has(name)) throw damaged(`unexpected entry ${name}`);
      seen.add(name);
      const hash = createHash('sha256');
      let rows = 0;
      const hashed = (async function* () {
        try {
          for await (const chunk of entry as AsyncIterable<Buffer>) {
            hash.update(chunk);
            yield chunk;
          }
        } catch (err) {
          throw damaged(err instanceof Error ? err.message : String(err));
        }
      })();
      const lines = (async function* () {
        for await (const line of linesOf(hashed)) {
          rows++;
          yield line;
        }
      })();
      try {
        await onPart(part, lines);
      } catch (err) {
        handlerError = { err };
        throw err;
      }
      for await (const line of lines) void line; // what the handler left, so the checks see every byte
      if (hash.digest('hex') !== part.sha256) throw damaged(`checksum mismatch in ${name}`);
      if (rows !== part.rows) throw damaged(`${name} holds ${rows} rows, the manifest says ${part.rows}`);
    }
    await source;
  } catch (err) {
    extract.destroy();
    await source.catch(() => {});
    if (handlerError || (err instanceof AppError && err.extensions.code === 'BAD_USER_INPUT')) throw err;
    throw damaged(err instanceof Error ? err.message : String(err));
  }
  if (!manifest) throw damaged('no manifest');
  const missing = manifest.tables.filter((t) => !seen.has(t.part));
  if (missing.length) throw damaged(`missing ${missing.map((t) => t.part).join(', ')}`);
  return manifest;
}

async function readSmall(entry: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of entry) {
    size += chunk.length;
    if (size > MAX_MANIFEST_BYTES) throw damaged('manifest too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseManifest(text: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch {
    throw damaged('manifest is not JSON');
  }
  if (m?.format !== ARCHIVE_FORMAT) throw damaged('not an Anthias tenant backup');
  if (m.formatVersion !== FORMAT_VERSION) {
    throw badInput('archive', `has format version ${String(m.formatVersion)}; this build reads version ${FORMAT_VERSION}`);
  }
  const wellFormed =
    typeof m.tenant?.id === 'string' &&
    typeof m.tenant.subdomain === 'string' &&
    typeof m.migration?.when === 'number' &&
    Array.isArray(m.tables) &&
    Array.isArray(m.omittedColumns) &&
    m.tables.every((t) => typeof t.table === 'string' && typeof t.part === 'string' && Array.isArray(t.columns) && typeof t.sha256 === 'string' && Number.isInteger(t.rows));
  if (!wellFormed) throw damaged('malformed manifest');
  return m;
}

/** Reads the whole archive and checks every part; nothing else is done. */
export function verifyArchive(file: string, onManifest: (m: Manifest) => void = () => {}): Promise<Manifest> {
  return streamArchive(file, onManifest, async () => {});
}

/** Reads the archive again (after verifyArchive), handing each part's rows to `onPart` in order. */
export function readArchive(file: string, onPart: EntryHandler): Promise<Manifest> {
  return streamArchive(file, () => {}, onPart);
}
