export type Changes = Record<string, { before?: unknown; after?: unknown }>;

const plain = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : v);
const same = (a: unknown, b: unknown) => JSON.stringify(plain(a)) === JSON.stringify(plain(b));

/**
 * Field-by-field changes between two versions of a row (null before: created; null after:
 * deleted). Only the listed fields are recorded, so secrets and hashes never reach the trail.
 */
export function diff<T extends object>(before: T | null, after: T | null, fields: readonly (keyof T & string)[]): Changes {
  const changes: Changes = {};
  for (const field of fields) {
    const b = before?.[field];
    const a = after?.[field];
    if (before && after && same(a, b)) continue;
    changes[field] = { ...(before ? { before: plain(b) } : {}), ...(after ? { after: plain(a) } : {}) };
  }
  return changes;
}
