import { readFileSync, statSync } from 'node:fs';
import initSqlJs from 'sql.js';
import { AppError, badInput } from '../../errors.js';

/**
 * What an Anthias player gives us, read as it stores it (Screenly/Anthias at commit
 * ba28647710edbf91c64b73e973d2ec0d5b5c5345): either the JSON of `GET /api/v2/assets` (an array of
 * AssetSerializerV2 objects, src/anthias_server/api/serializers/v2.py), or its SQLite database
 * (`~/.anthias/anthias.db`, table `assets` of src/anthias_server/app/models.py). Values stay raw
 * here; anthias-asset.ts maps them.
 */
export type AnthiasRecord = Record<string, unknown>;
export type AnthiasSource = { format: 'json' | 'sqlite'; records: AnthiasRecord[] };

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
// Columns every Anthias schema has had, from the pre-Django table to the current model.
const REQUIRED_COLUMNS = ['asset_id', 'name', 'uri', 'mimetype', 'duration', 'play_order'];

/** Reads FILE and tells the format by its content. Anything unusable is BAD_USER_INPUT. */
export async function readAnthiasSource(file: string): Promise<AnthiasSource> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw badInput('file', `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (bytes.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) return { format: 'sqlite', records: await readDatabase(file, bytes) };
  return { format: 'json', records: parseAssetList(file, bytes) };
}

function parseAssetList(file: string, bytes: Buffer): AnthiasRecord[] {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const looksLikeJson = /^\s*[[{]/.test(text);
    throw badInput('file', looksLikeJson ? `${file} is not valid JSON (${(err as Error).message})` : `${file} is neither JSON nor an SQLite database`);
  }
  if (!Array.isArray(parsed)) throw badInput('file', `${file} is not an array of assets (save the output of GET /api/v2/assets)`);
  parsed.forEach((item, i) => {
    const isAsset = typeof item === 'object' && item !== null && !Array.isArray(item) && typeof (item as AnthiasRecord).asset_id === 'string';
    if (!isAsset) throw badInput('file', `item ${i} of ${file} is not an Anthias asset (an object with an asset_id)`);
  });
  return parsed as AnthiasRecord[];
}

async function readDatabase(file: string, bytes: Buffer): Promise<AnthiasRecord[]> {
  // Anthias runs SQLite in WAL mode: committed changes may still sit in FILE-wal, which a copy of
  // FILE alone does not include. Refuse rather than import an older playlist without saying so.
  if (walSize(file) > 0) {
    throw badInput('file', `${file}-wal holds changes not yet in ${file}: stop the player, or copy the database with \`sqlite3 ${file} ".backup copy.db"\`, and import the copy`);
  }
  const SQL = await initSqlJs();
  const db = new SQL.Database(bytes);
  try {
    const columns = new Set(db.exec('pragma table_info(assets)')[0]?.values.map((row) => String(row[1])) ?? []);
    if (!columns.size) throw badInput('file', `${file} has no assets table: not an Anthias database`);
    const missing = REQUIRED_COLUMNS.filter((c) => !columns.has(c));
    if (missing.length) throw badInput('file', `the assets table of ${file} lacks ${missing.join(', ')}: not an Anthias database`);
    // rowid order is the order Anthias itself lists rows in (Asset.objects.all() has no ordering).
    const statement = db.prepare('select * from assets order by rowid');
    const records: AnthiasRecord[] = [];
    while (statement.step()) records.push(statement.getAsObject());
    statement.free();
    return records;
  } catch (err) {
    if (err instanceof AppError) throw err;
    // SQLite's own complaint, e.g. "file is not a database" for a damaged file.
    throw badInput('file', `${file} is not a readable SQLite database (${(err as Error).message})`);
  } finally {
    db.close();
  }
}

function walSize(file: string): number {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}
