import { badInput } from '../errors.js';

const UUID = /^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else is the caller's mistake, not a database error. */
export function requireId(field: string, value: string): string {
  if (!UUID.test(value)) throw badInput(field, 'is not a valid id');
  return value.toLowerCase();
}

export const optionalId = (field: string, value: string | null | undefined): string | undefined =>
  value ? requireId(field, value) : undefined;
