import type { Asset } from '../../db/schema/index.js';

/**
 * Anthias's rule: an asset is active at an instant when it is enabled, has both dates,
 * start < instant < end, and the instant, in the device's local time zone, falls in its play
 * window: no window means every moment of the listed ISO weekdays; from < to is [from, to) on a
 * listed day; from > to wraps past midnight and play_days names the day the window starts.
 */
export type Schedule = Pick<Asset, 'isEnabled' | 'startDate' | 'endDate' | 'playDays' | 'playTimeFrom' | 'playTimeTo'>;

type LocalParts = { year: number; month: number; day: number; isoDow: number; seconds: number };

const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

function localParts(at: number, timeZone: string): LocalParts {
  const p: Record<string, string> = {};
  for (const { type, value } of formatter(timeZone).formatToParts(at)) p[type] = value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    isoDow: WEEKDAY[p.weekday!]!,
    seconds: Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second),
  };
}

/** The instant at which the local wall clock of `timeZone` shows the given date and time. */
function instantOf(year: number, month: number, day: number, seconds: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day) + seconds * 1000;
  const offsetAt = (instant: number) => {
    const l = localParts(instant, timeZone);
    return Date.UTC(l.year, l.month - 1, l.day) + l.seconds * 1000 - instant;
  };
  const first = wall - offsetAt(wall);
  return wall - offsetAt(first);
}

export const timeToSeconds = (time: string): number => {
  const [h = 0, m = 0, s = 0] = time.split(':').map(Number);
  return h * 3600 + m * 60 + s;
};

function inWindow(s: Schedule, local: LocalParts): boolean {
  const listed = (day: number) => s.playDays.includes(day);
  if (s.playTimeFrom === null || s.playTimeTo === null) return listed(local.isoDow);
  const from = timeToSeconds(s.playTimeFrom);
  const to = timeToSeconds(s.playTimeTo);
  if (from < to) return listed(local.isoDow) && local.seconds >= from && local.seconds < to;
  const previousDay = ((local.isoDow + 5) % 7) + 1;
  return (listed(local.isoDow) && local.seconds >= from) || (listed(previousDay) && local.seconds < to);
}

export function isActiveAt(s: Schedule, at: Date, timeZone: string): boolean {
  if (!s.isEnabled || !s.startDate || !s.endDate) return false;
  const t = at.getTime();
  if (!(s.startDate.getTime() < t && t < s.endDate.getTime())) return false;
  return inWindow(s, localParts(t, timeZone));
}

const HORIZON_DAYS = 8;

/**
 * The first instant after `at` at which isActiveAt changes, or null when it never will again.
 * The state is constant between candidate instants (the dates, and each local midnight, window
 * start and window end over the next eight days), so checking each candidate suffices.
 */
export function nextChangeAt(s: Schedule, at: Date, timeZone: string): Date | null {
  if (!s.isEnabled || !s.startDate || !s.endDate) return null;
  const now = at.getTime();
  if (s.endDate.getTime() <= now) return null;
  const current = isActiveAt(s, at, timeZone);
  const marks = [0, ...(s.playTimeFrom !== null && s.playTimeTo !== null ? [timeToSeconds(s.playTimeFrom), timeToSeconds(s.playTimeTo)] : [])];
  const today = localParts(now, timeZone);
  const candidates = new Set([s.startDate.getTime(), s.endDate.getTime()]);
  for (let i = -1; i <= HORIZON_DAYS; i++) {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day + i));
    for (const seconds of marks) candidates.add(instantOf(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), seconds, timeZone));
  }
  // A boundary at `at` itself still matters: an exclusive start flips the state just after it.
  for (const c of [...candidates].filter((c) => c >= now).sort((a, b) => a - b)) {
    if (c > now && isActiveAt(s, new Date(c), timeZone) !== current) return new Date(c);
    if (isActiveAt(s, new Date(c + 1), timeZone) !== current) return new Date(c + 1);
  }
  return null;
}
