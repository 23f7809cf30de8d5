import { AppError, badInput } from '../../errors.js';
import { type AssetFields, validateAsset } from '../assets/asset.validation.js';
import type { AnthiasRecord } from './anthias-source.js';

/**
 * One Anthias asset in our model. Types as Anthias has them (Screenly/Anthias at commit
 * ba28647710edbf91c64b73e973d2ec0d5b5c5345, src/anthias_server/app/models.py and
 * src/anthias_server/api/serializers/v2.py):
 * - asset_id: text primary key, uuid4().hex, or `default_<hex>` for the bundled default assets;
 * - booleans: JSON true/false from the API, 0/1 integers in SQLite;
 * - duration: whole seconds (BigIntegerField; a text column in the pre-Django table);
 * - start_date, end_date: ISO 8601 with the player's offset from the API; naive UTC text
 *   (`YYYY-MM-DD HH:MM:SS[.ffffff]`) in SQLite, as Django stores them with USE_TZ = True;
 * - play_days: a JSON list from the API, the same list as text (`[1, 2, 3]`) in SQLite;
 * - play_time_from, play_time_to: `HH:MM:SS[.ffffff]` or null;
 * - uri: a URL, or an absolute path for a file on the player's disk (uploads and downloaded
 *   videos live in its asset directory, `/data/anthias_assets/<asset_id><ext>` in the container).
 */
export type MappedAsset = { position: number; anthiasId: string; sourceRef: string; anthiasPlayOrder: number; fields: AssetFields };
export type SkippedAsset = { position: number; anthiasId: string | null; name: string | null; reason: string };
export type Mapping = { assets: MappedAsset[]; skipped: SkippedAsset[] };

export const SOURCE_REF_PREFIX = 'anthias:';
const ALL_DAYS = [1, 2, 3, 4, 5, 6, 7];
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?$/;
const TIME_OF_DAY = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/;

/**
 * Maps every record, keeping what our own validation accepts and skipping the rest with the
 * reason. `assets` come in Anthias's play order: play_order, then the order of the source.
 */
export function mapAnthiasAssets(records: AnthiasRecord[]): Mapping {
  const assets: MappedAsset[] = [];
  const skipped: SkippedAsset[] = [];
  const firstSeen = new Map<string, number>();
  for (const [position, record] of records.entries()) {
    const anthiasId = typeof record.asset_id === 'string' && record.asset_id.trim() ? record.asset_id : null;
    const name = typeof record.name === 'string' ? record.name : null;
    const seen = anthiasId === null ? undefined : firstSeen.get(anthiasId);
    let reason: string;
    if (anthiasId === null) {
      reason = 'asset_id: is missing';
    } else if (seen !== undefined) {
      reason = `asset_id: appears twice in the source (first as item ${seen})`;
    } else {
      firstSeen.set(anthiasId, position);
      try {
        const { fields, playOrder } = toFields(record);
        assets.push({ position, anthiasId, sourceRef: `${SOURCE_REF_PREFIX}${anthiasId}`, anthiasPlayOrder: playOrder, fields });
        continue;
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        reason = err.message;
      }
    }
    skipped.push({ position, anthiasId, name, reason });
  }
  assets.sort((a, b) => a.anthiasPlayOrder - b.anthiasPlayOrder || a.position - b.position);
  return { assets, skipped };
}

function toFields(r: AnthiasRecord): { fields: AssetFields; playOrder: number } {
  const uri = typeof r.uri === 'string' ? r.uri : '';
  if (uri.startsWith('/')) throw badInput('uri', `${uri} is a file on the player's disk; uploads are not supported yet`);
  let playTimeFrom = timeOfDay(r.play_time_from, 'play_time_from');
  let playTimeTo = timeOfDay(r.play_time_to, 'play_time_to');
  // Anthias plays a window with one end missing as no window at all (Asset._matches_play_window).
  if (playTimeFrom === null || playTimeTo === null) playTimeFrom = playTimeTo = null;
  const fields = validateAsset({
    name: typeof r.name === 'string' ? r.name : '',
    uri,
    mimetype: typeof r.mimetype === 'string' ? r.mimetype : '',
    duration: seconds(r.duration),
    md5: typeof r.md5 === 'string' && r.md5 !== '' ? r.md5 : null,
    startDate: instant(r.start_date, 'start_date'),
    endDate: instant(r.end_date, 'end_date'),
    isEnabled: flag(r.is_enabled, 'is_enabled'),
    isProcessing: flag(r.is_processing, 'is_processing'),
    nocache: flag(r.nocache, 'nocache'),
    skipAssetCheck: flag(r.skip_asset_check, 'skip_asset_check'),
    playDays: playDays(r.play_days),
    playTimeFrom,
    playTimeTo,
    labels: [],
  });
  return { fields, playOrder: playOrder(r.play_order) };
}

/** Missing (null, or a column the pre-Django table lacks) is false, as Django's default is. */
function flag(v: unknown, field: string): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '0') return false;
  if (v === true || v === 1 || v === '1') return true;
  throw badInput(field, `is not a boolean (${JSON.stringify(v)})`);
}

function seconds(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v);
  throw badInput('duration', v === null || v === undefined || v === '' ? 'is missing' : `is not whole seconds (${JSON.stringify(v)})`);
}

function playOrder(v: unknown): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw badInput('play_order', `is not a whole number (${JSON.stringify(v)})`);
  return n;
}

/** Asset.get_play_days: anything but a non-empty list of weekdays 1–7 plays every day. */
function playDays(v: unknown): number[] {
  let value = v;
  if (typeof v === 'string') {
    try {
      value = JSON.parse(v);
    } catch {
      return [...ALL_DAYS];
    }
  }
  if (!Array.isArray(value) || !value.length || !value.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)) return [...ALL_DAYS];
  return [...new Set(value as number[])];
}

/** An instant; without an offset it is UTC, which is how Django keeps it in SQLite. */
function instant(v: unknown, field: string): Date | null {
  if (v === null || v === undefined || v === '') return null;
  const m = typeof v === 'string' ? DATE_TIME.exec(v.trim()) : null;
  if (!m) throw badInput(field, `is not a date and time (${JSON.stringify(v)})`);
  const [, y, mo, d, h, mi, s = '00', fraction = '', zone = 'Z'] = m;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (day.getUTCMonth() + 1 !== Number(mo) || day.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw badInput(field, `is not a date and time (${JSON.stringify(v)})`);
  }
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${fraction.padEnd(3, '0').slice(0, 3)}${offset}`);
}

/** HH:MM; a time with seconds has no faithful equivalent here, so the asset is skipped. */
function timeOfDay(v: unknown, field: string): string | null {
  if (v === null || v === undefined || v === '') return null;
  const m = typeof v === 'string' ? TIME_OF_DAY.exec(v.trim()) : null;
  if (!m) throw badInput(field, `is not a time of day (${JSON.stringify(v)})`);
  if (Number(m[3] ?? 0) !== 0 || Number(m[4] ?? 0) !== 0) throw badInput(field, `${v} has seconds; play windows here are whole minutes`);
  return `${m[1]}:${m[2]}`;
}
