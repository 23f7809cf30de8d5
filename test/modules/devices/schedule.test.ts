import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assets } from '../../../src/db/schema/index.js';
import { activeAt } from '../../../src/modules/assets/asset.service.js';
import { isActiveAt, nextChangeAt, type Schedule } from '../../../src/modules/assets/schedule.js';
import { type Harness, type SeededTenant, startHarness } from '../../support/harness.js';

const ALL = [1, 2, 3, 4, 5, 6, 7];
const base: Schedule = {
  isEnabled: true,
  startDate: new Date('2026-01-01T00:00:00Z'),
  endDate: new Date('2027-01-01T00:00:00Z'),
  playDays: ALL,
  playTimeFrom: null,
  playTimeTo: null,
};
const win = (from: string, to: string, playDays = ALL): Partial<Schedule> => ({ playTimeFrom: from, playTimeTo: to, playDays });

// 2026-03-04 is a Wednesday; 03-06 Fri, 03-07 Sat, 03-08 Sun, 03-09 Mon, 03-10 Tue; 2026-01-15 Thu.
const cases: [string, Partial<Schedule>, string, string, boolean, string | null][] = [
  ['window inside a day', win('09:00', '17:00'), 'UTC', '2026-03-04T10:00:00Z', true, '2026-03-04T17:00:00Z'],
  ['before the window', win('09:00', '17:00'), 'UTC', '2026-03-04T08:59:59Z', false, '2026-03-04T09:00:00Z'],
  ['window start is inclusive', win('09:00', '17:00'), 'UTC', '2026-03-04T09:00:00Z', true, '2026-03-04T17:00:00Z'],
  ['window end is exclusive', win('09:00', '17:00'), 'UTC', '2026-03-04T17:00:00Z', false, '2026-03-05T09:00:00Z'],
  ['overnight, before midnight', win('22:00', '06:00', [5]), 'UTC', '2026-03-06T23:00:00Z', true, '2026-03-07T06:00:00Z'],
  ['overnight, after midnight of the start day', win('22:00', '06:00', [5]), 'UTC', '2026-03-07T05:00:00Z', true, '2026-03-07T06:00:00Z'],
  ['overnight, an unlisted start day', win('22:00', '06:00', [5]), 'UTC', '2026-03-07T23:00:00Z', false, '2026-03-13T22:00:00Z'],
  ['overnight across the week end (Sunday into Monday)', win('22:00', '02:00', [7]), 'UTC', '2026-03-09T01:00:00Z', true, '2026-03-09T02:00:00Z'],
  ['start-day rule: Sunday night is not Monday', win('22:00', '06:00', [1]), 'UTC', '2026-03-09T01:00:00Z', false, '2026-03-09T22:00:00Z'],
  ['start-day rule: Monday night runs into Tuesday', win('22:00', '06:00', [1]), 'UTC', '2026-03-10T01:00:00Z', true, '2026-03-10T06:00:00Z'],
  ['no window: every moment of the listed days', { playDays: [1, 2, 3, 4, 5] }, 'UTC', '2026-03-06T12:00:00Z', true, '2026-03-07T00:00:00Z'],
  ['start date is exclusive', { startDate: new Date('2026-03-04T10:00:00Z') }, 'UTC', '2026-03-04T10:00:00Z', false, '2026-03-04T10:00:00.001Z'],
  ['end date is exclusive', { endDate: new Date('2026-03-04T10:00:00Z') }, 'UTC', '2026-03-04T10:00:00Z', false, null],
  ['just before the end date', { endDate: new Date('2026-03-04T10:00:00Z') }, 'UTC', '2026-03-04T09:59:00Z', true, '2026-03-04T10:00:00Z'],
  ['west of UTC (New York, UTC-5)', win('09:00', '17:00'), 'America/New_York', '2026-01-15T14:30:00Z', true, '2026-01-15T22:00:00Z'],
  ['west of UTC, before opening', win('09:00', '17:00'), 'America/New_York', '2026-01-15T13:30:00Z', false, '2026-01-15T14:00:00Z'],
  ['east of UTC (Tokyo, UTC+9)', win('09:00', '17:00'), 'Asia/Tokyo', '2026-01-15T00:30:00Z', true, '2026-01-15T08:00:00Z'],
  ['east of UTC: the local day decides play_days', { playDays: [4] }, 'Asia/Tokyo', '2026-01-14T16:00:00Z', true, '2026-01-15T15:00:00Z'],
  ['DST spring forward (Berlin): 04:00 comes an hour early', win('01:00', '04:00'), 'Europe/Berlin', '2026-03-29T00:30:00Z', true, '2026-03-29T02:00:00Z'],
  ['DST fall back (New York): 03:00 comes an hour late', win('00:00', '03:00'), 'America/New_York', '2026-11-01T04:30:00Z', true, '2026-11-01T08:00:00Z'],
  ['disabled', { isEnabled: false }, 'UTC', '2026-03-04T10:00:00Z', false, null],
  ['without dates', { startDate: null }, 'UTC', '2026-03-04T10:00:00Z', false, null],
];

describe('schedule semantics', () => {
  it.each(cases)('%s', (_name, overrides, tz, at, active, next) => {
    const schedule = { ...base, ...overrides };
    expect(isActiveAt(schedule, new Date(at), tz)).toBe(active);
    expect(nextChangeAt(schedule, new Date(at), tz)?.toISOString() ?? null).toBe(next ? new Date(next).toISOString() : null);
  });
});

describe('the SQL filter agrees with the schedule', () => {
  let h: Harness;
  let t: SeededTenant;
  beforeAll(async () => {
    h = await startHarness();
    t = await h.seedTenant();
  });
  afterAll(() => h?.close());

  it.each(cases)('%s', async (_name, overrides, tz, at, active) => {
    const s = { ...base, ...overrides };
    const [row] = await h.asTenant(t.id, (tx) =>
      tx.insert(assets).values({ tenantId: t.id, name: 'case', uri: 'https://x.test/', mimetype: 'image', ...s }).returning({ id: assets.id }),
    );
    const [result] = await h.asTenant(t.id, (tx) =>
      tx.select({ active: activeAt(new Date(at), tz) }).from(assets).where(eq(assets.id, row!.id)),
    );
    expect(result!.active ?? false).toBe(active);
  });
});
