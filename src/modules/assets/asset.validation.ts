import { badInput } from '../../errors.js';
import { timeToSeconds } from './schedule.js';

export const MIMETYPES = ['image', 'video', 'webpage', 'streaming', 'youtube_asset'] as const;
const STREAM_SCHEMES = new Set(['rtsp:', 'rtmp:']);
const WEB_SCHEMES = new Set(['http:', 'https:']);
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const MD5 = /^[0-9a-f]{32}$/i;
export const LABEL = /^[a-z0-9][a-z0-9._:-]{0,62}$/;

/** The asset as it will be stored, before the server-set fields. */
export type AssetFields = {
  name: string;
  uri: string;
  mimetype: string;
  duration: number;
  md5: string | null;
  startDate: Date | null;
  endDate: Date | null;
  isEnabled: boolean;
  isProcessing: boolean;
  nocache: boolean;
  skipAssetCheck: boolean;
  playDays: number[];
  playTimeFrom: string | null;
  playTimeTo: string | null;
  labels: string[];
};

/** Checks the whole resulting asset, so an update is judged with the fields it leaves alone. */
export function validateAsset(a: AssetFields): AssetFields {
  const name = a.name.trim();
  if (!name || name.length > 255) throw badInput('name', 'must be 1 to 255 characters');
  if (!(MIMETYPES as readonly string[]).includes(a.mimetype)) throw badInput('mimetype', `must be one of ${MIMETYPES.join(', ')}`);
  let uri: URL;
  try {
    uri = new URL(a.uri);
  } catch {
    throw badInput('uri', 'is not a valid URI');
  }
  const allowed = a.mimetype === 'streaming' ? new Set([...WEB_SCHEMES, ...STREAM_SCHEMES]) : WEB_SCHEMES;
  if (!allowed.has(uri.protocol)) throw badInput('uri', `scheme must be one of ${[...allowed].map((s) => s.slice(0, -1)).join(', ')}`);
  if (a.uri.length > 2048) throw badInput('uri', 'must be at most 2048 characters');
  const minDuration = a.mimetype === 'video' ? 0 : 1;
  if (!Number.isInteger(a.duration) || a.duration < minDuration || a.duration > 86_400) {
    throw badInput('duration', `must be whole seconds from ${minDuration} to 86400`);
  }
  if (a.md5 !== null && !MD5.test(a.md5)) throw badInput('md5', 'must be 32 hexadecimal characters');
  // An asset plays only between its dates: enabled without them it would silently never play.
  if (a.isEnabled && !a.startDate) throw badInput('startDate', 'is required for an enabled asset (it plays only between startDate and endDate)');
  if (a.isEnabled && !a.endDate) throw badInput('endDate', 'is required for an enabled asset (it plays only between startDate and endDate)');
  if (a.startDate && a.endDate && a.startDate >= a.endDate) throw badInput('endDate', 'must be after startDate');
  if (!a.playDays.length || a.playDays.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) {
    throw badInput('playDays', 'must list ISO weekdays from 1 (Monday) to 7 (Sunday)');
  }
  if (new Set(a.playDays).size !== a.playDays.length) throw badInput('playDays', 'must not repeat a day');
  for (const field of ['playTimeFrom', 'playTimeTo'] as const) {
    const v = a[field];
    if (v !== null && !TIME.test(v)) throw badInput(field, 'must be a time HH:MM');
  }
  if ((a.playTimeFrom === null) !== (a.playTimeTo === null)) {
    throw badInput(a.playTimeFrom === null ? 'playTimeFrom' : 'playTimeTo', 'give both ends of the play window, or neither');
  }
  if (a.playTimeFrom !== null && timeToSeconds(a.playTimeFrom) === timeToSeconds(a.playTimeTo!)) {
    throw badInput('playTimeTo', 'must differ from playTimeFrom');
  }
  if (a.labels.length > 20 || a.labels.some((l) => !LABEL.test(l))) {
    throw badInput('labels', 'at most 20 labels of lowercase letters, digits and . _ : -');
  }
  return { ...a, name, playDays: [...a.playDays].sort(), labels: [...new Set(a.labels)].sort() };
}

/** HH:MM as clients write it; the database's time type answers HH:MM:SS. */
export const toHhMm = (t: string | null): string | null => (t === null ? null : t.slice(0, 5));
