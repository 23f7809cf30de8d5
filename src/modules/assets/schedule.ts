import type { Asset } from '../../db/schema/index.js';

/**
 * Anthias's rule: an asset is active at an instant when it is enabled, has both dates,
 * start < instant < end, and the instant, in the device's local time zone, falls in its play
 * window: no window means every moment of the listed ISO weekdays; from < to is [from, to) on a
 * listed day; from > to wraps past midnight and play_days names the day the window starts.
 */
export type Schedule = Pick<Asset, 'isEnabled' | 'startDate' | 'endDate' | 'playDays' | 'playTimeFrom' | 'playTimeTo'>;

type LocalParts = { year: number; month: number; day: number; isoDow: number; seconds: number };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
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

// Intl is slow (microseconds a call) and a playlist asks thousands of times, so the zone's UTC
// offset is remembered per 15-minute slot: zones change offset only on such boundaries.
const SLOT_MS = 900_000;
const offsets = new Map<string, Map<number, number>>();

function offsetAt(at: number, timeZone: string): number {
  const slot = Math.floor(at / SLOT_MS) * SLOT_MS;
  let zone = offsets.get(timeZone);
  if (!zone || zone.size >= 50_000) offsets.set(timeZone, (zone = new Map()));
  let offset = zone.get(slot);
  if (offset === undefined) {
    const p: Record<string, string> = {};
    for (const { type, value } of formatter(timeZone).formatToParts(slot)) p[type] = value;
    offset = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - slot;
    zone.set(slot, offset);
  }
  return offset;
}

function localParts(at: number, timeZone: string): LocalParts {
  const wall = new Date(at + offsetAt(at, timeZone));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    isoDow: ((wall.getUTCDay() + 6) % 7) + 1,
    seconds: wall.getUTCHours() * 3600 + wall.getUTCMinutes() * 60 + wall.getUTCSeconds(),
  };
}

/** The instant at which the local wall clock of `timeZone` shows the given date and time. */
function instantOf(year: number, month: number, day: number, seconds: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day) + seconds * 1000;
  const first = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(first, timeZone);
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
 * start and window end over the next eight days); they are visited in time order, so the search
 * stops at the first change, usually within a day.
 */
export function nextChangeAt(s: Schedule, at: Date, timeZone: string): Date | null {
  if (!s.isEnabled || !s.startDate || !s.endDate) return null;
  const now = at.getTime();
  if (s.endDate.getTime() <= now) return null;
  const current = isActiveAt(s, at, timeZone);
  // A boundary at `at` itself still matters: an exclusive start flips the state just after it.
  const changeAt = (c: number): number | null => {
    if (c < now) return null;
    if (c > now && isActiveAt(s, new Date(c), timeZone) !== current) return c;
    return isActiveAt(s, new Date(c + 1), timeZone) !== current ? c + 1 : null;
  };
  const dates = [s.startDate.getTime(), s.endDate.getTime()].sort((a, b) => a - b);
  let next = 0;
  const marks = [0, ...(s.playTimeFrom !== null && s.playTimeTo !== null ? [timeToSeconds(s.playTimeFrom), timeToSeconds(s.playTimeTo)] : [])].sort((a, b) => a - b);
  const today = localParts(now, timeZone);
  for (let i = -1; i <= HORIZON_DAYS; i++) {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day + i));
    for (const seconds of marks) {
      const c = instantOf(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), seconds, timeZone);
      while (next < dates.length && dates[next]! <= c) {
        const found = changeAt(dates[next++]!);
        if (found !== null) return new Date(found);
      }
      const found = changeAt(c);
      if (found !== null) return new Date(found);
    }
  }
  while (next < dates.length) {
    const found = changeAt(dates[next++]!);
    if (found !== null) return new Date(found);
  }
  return null;
}
