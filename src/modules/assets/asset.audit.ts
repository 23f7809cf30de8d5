import { toHhMm } from './asset.validation.js';

/** The fields an asset's audit rows record, whoever changes it (the API or an import). */
export const AUDITED = [
  'name', 'uri', 'md5', 'mimetype', 'duration', 'startDate', 'endDate', 'isEnabled', 'isProcessing', 'nocache',
  'playOrder', 'skipAssetCheck', 'playDays', 'playTimeFrom', 'playTimeTo', 'labels',
] as const;

/** A row as update diffs compare it: play times as clients write them (HH:MM), not as the database answers. */
export const asAudited = <T extends { playTimeFrom: string | null; playTimeTo: string | null }>(row: T): T => ({
  ...row,
  playTimeFrom: toHhMm(row.playTimeFrom),
  playTimeTo: toHhMm(row.playTimeTo),
});
