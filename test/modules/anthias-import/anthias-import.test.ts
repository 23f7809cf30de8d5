import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mapAnthiasAssets } from '../../../src/modules/anthias-import/anthias-asset.js';
import { type AnthiasRecord, readAnthiasSource } from '../../../src/modules/anthias-import/anthias-source.js';
import { anthiasDatabase, DJANGO_ASSETS_TABLE, sqliteRow, V2_ASSETS } from '../../fixtures/anthias-player.js';

// The file checks and the field mapping, case by case, in process; test/cli/import-anthias.test.ts
// runs the command end to end on the database.
const dir = mkdtempSync(join(tmpdir(), 'anthias-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const refusal = (path: string) => readAnthiasSource(path).then(() => 'read', (err: Error & { extensions?: { code?: string } }) => `${err.extensions?.code}: ${err.message}`);

describe('reading an Anthias source', () => {
  it('tells JSON from SQLite by content, whatever the file is called', async () => {
    const json = await readAnthiasSource(file('assets.db', `\uFEFF${JSON.stringify(V2_ASSETS)}`));
    expect(json.format).toBe('json');
    expect(json.records.map((r) => r.asset_id)).toEqual(V2_ASSETS.map((a) => a.asset_id));
    const db = await readAnthiasSource(file('export.json', await anthiasDatabase(DJANGO_ASSETS_TABLE, V2_ASSETS.map(sqliteRow), { wal: true })));
    expect(db.format).toBe('sqlite');
    expect(db.records.map((r) => r.asset_id)).toEqual(V2_ASSETS.map((a) => a.asset_id)); // rowid order, as Anthias lists them
    expect(db.records[1]).toMatchObject({ start_date: '2026-05-04 07:00:00.250000', is_enabled: 1, play_days: '[1, 2, 3, 4, 5]', play_time_from: '08:00:00' });
  });

  it.each([
    ['an empty file', () => file('empty', ''), /is neither JSON nor an SQLite database$/],
    ['text', () => file('notes.txt', 'hello'), /is neither JSON nor an SQLite database$/],
    ['broken JSON', () => file('broken.json', '[{"asset_id": '), /broken\.json is not valid JSON \(/],
    ['a JSON object', () => file('object.json', JSON.stringify({ assets: V2_ASSETS })), /is not an array of assets \(save the output of GET \/api\/v2\/assets\)$/],
    ['an array of numbers', () => file('numbers.json', '[1, 2]'), /item 0 of .* is not an Anthias asset/],
    ['an object without asset_id', () => file('noid.json', JSON.stringify([V2_ASSETS[0], { name: 'x' }])), /item 1 of .* is not an Anthias asset/],
    ['a directory', () => dir, /cannot read .* \(EISDIR\)$/],
    ['a damaged database', () => file('damaged.db', Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(2000, 7)])), /is not a readable SQLite database \(/],
  ])('refuses %s as BAD_USER_INPUT', async (_name, make, message) => {
    expect(await refusal(make())).toMatch(new RegExp(`^BAD_USER_INPUT: file: .*${message.source}`));
  });

  it('refuses an SQLite database that is not Anthias, or whose WAL holds changes', async () => {
    const other = file('other.db', await anthiasDatabase('create table things (id integer)', []));
    expect(await refusal(other)).toMatch(/other\.db has no assets table: not an Anthias database$/);
    const odd = file('odd.db', await anthiasDatabase('create table assets (asset_id text primary key, name text)', []));
    expect(await refusal(odd)).toMatch(/lacks uri, mimetype, duration, play_order: not an Anthias database$/);
    const live = file('live.db', await anthiasDatabase(DJANGO_ASSETS_TABLE, V2_ASSETS.map(sqliteRow), { wal: true }));
    file('live.db-wal', Buffer.alloc(4096, 1));
    expect(await refusal(live)).toMatch(/live\.db-wal holds changes not yet in .*live\.db: stop the player, or copy the database with `sqlite3 /);
    file('live.db-wal', ''); // checkpointed: nothing waits in it
    expect((await readAnthiasSource(live)).records).toHaveLength(V2_ASSETS.length);
  });
});

describe('mapping Anthias assets', () => {
  const base: AnthiasRecord = { ...V2_ASSETS[0]! };
  const one = (overrides: AnthiasRecord) => mapAnthiasAssets([{ ...base, ...overrides }]);
  const reason = (overrides: AnthiasRecord) => one(overrides).skipped[0]?.reason;
  const fields = (overrides: AnthiasRecord) => {
    const { assets, skipped } = one(overrides);
    expect(skipped).toEqual([]);
    return assets[0]!.fields;
  };

  it('keeps play order, breaking ties by place in the source, and skips with reasons', () => {
    const { assets, skipped } = mapAnthiasAssets(V2_ASSETS);
    expect(assets.map((a) => [a.anthiasPlayOrder, a.position])).toEqual([[0, 0], [0, 1], [1, 3], [2, 2], [5, 7]]);
    expect(assets[0]!.sourceRef).toBe('anthias:default_6f1c2d3e4b5a69788796a5b4c3d2e1f0');
    expect(skipped.map((s) => [s.position, s.reason.split(':')[0]])).toEqual([[4, 'uri'], [5, 'uri'], [6, 'duration']]);
  });

  it('reads dates as instants: with an offset from the API, as UTC without one (how Django stores them)', () => {
    expect(fields({ start_date: '2026-05-04T10:15:00+02:00', end_date: '2026-05-05 08:15:00.5' })).toMatchObject({
      startDate: new Date('2026-05-04T08:15:00Z'),
      endDate: new Date('2026-05-05T08:15:00.500Z'),
    });
    expect(fields({ start_date: null, end_date: '', is_enabled: 0 })).toMatchObject({ startDate: null, endDate: null });
    // Enabled without dates, it would never play (nor does it on the player): skipped, saying why.
    expect(reason({ start_date: null, is_enabled: 1 })).toMatch(/^startDate: is required for an enabled asset/);
    expect(reason({ start_date: '2026-02-30 00:00:00' })).toBe('start_date: is not a date and time ("2026-02-30 00:00:00")');
    expect(reason({ end_date: 1_700_000_000 })).toBe('end_date: is not a date and time (1700000000)');
  });

  it('reads play days and windows as Anthias plays them', () => {
    expect(fields({ play_days: '[5, 1, 5]' }).playDays).toEqual([1, 5]);
    for (const junk of ['not json', '[]', '[0, 8]', '{"1": true}', null, undefined]) {
      expect(fields({ play_days: junk }).playDays).toEqual([1, 2, 3, 4, 5, 6, 7]);
    }
    expect(fields({ play_time_from: '22:00:00', play_time_to: '02:00' })).toMatchObject({ playTimeFrom: '22:00', playTimeTo: '02:00' });
    expect(fields({ play_time_from: null, play_time_to: '18:00:00' })).toMatchObject({ playTimeFrom: null, playTimeTo: null });
    expect(reason({ play_time_from: '08:00:30', play_time_to: '18:00:00' })).toBe('play_time_from: 08:00:30 has seconds; play windows here are whole minutes');
    expect(reason({ play_time_from: '08:00:00', play_time_to: '08:00:00' })).toBe('playTimeTo: must differ from playTimeFrom');
  });

  it('reads booleans, durations and play order in the types each schema has', () => {
    expect(fields({ is_enabled: 1, nocache: '1', skip_asset_check: 0, is_processing: null })).toMatchObject({ isEnabled: true, nocache: true, skipAssetCheck: false, isProcessing: false });
    expect(reason({ is_enabled: 'yes' })).toBe('is_enabled: is not a boolean ("yes")');
    expect(fields({ duration: '15' }).duration).toBe(15);
    expect(reason({ duration: null })).toBe('duration: is missing');
    expect(reason({ duration: 'long' })).toBe('duration: is not whole seconds ("long")');
    expect(one({ play_order: '7' }).assets[0]!.anthiasPlayOrder).toBe(7);
    expect(one({ play_order: null }).assets[0]!.anthiasPlayOrder).toBe(0);
    expect(reason({ play_order: 1.5 })).toBe('play_order: is not a whole number (1.5)');
    expect(fields({ md5: '' }).md5).toBeNull();
  });

  it('skips what our own rules refuse, files on the player, and a repeated asset_id', () => {
    expect(reason({ mimetype: 'pdf' })).toMatch(/^mimetype: must be one of image, video, webpage, streaming, youtube_asset$/);
    expect(reason({ uri: 'ftp://example.com/a' })).toBe('uri: scheme must be one of http, https');
    expect(reason({ uri: '/home/pi/screenly_assets/x.jpg' })).toBe("uri: /home/pi/screenly_assets/x.jpg is a file on the player's disk; uploads are not supported yet");
    expect(reason({ name: null })).toBe('name: must be 1 to 255 characters');
    expect(reason({ start_date: '2027-01-01 00:00:00', end_date: '2026-01-01 00:00:00' })).toBe('endDate: must be after startDate');
    const twice = mapAnthiasAssets([base, { ...base, name: 'Again' }, { ...base, asset_id: '' }]);
    expect(twice.assets).toHaveLength(1);
    expect(twice.skipped.map((s) => s.reason)).toEqual(['asset_id: appears twice in the source (first as item 0)', 'asset_id: is missing']);
  });
});
