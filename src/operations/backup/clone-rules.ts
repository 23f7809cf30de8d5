import { createHmac } from 'node:crypto';
import { mintKey } from '../../auth/tokens.js';
import { badInput } from '../../errors.js';
import { newInvitationToken } from '../../modules/members/invitation-mail.js';
import { newQrCode } from '../../modules/qr/qr-code.js';
import type { TableInfo, UniqueIndex } from '../catalog.js';

export type Row = Record<string, unknown>;
/** Returns the row to insert, or null to leave it out of the clone. */
export type CloneRule = (row: Row, now: string) => Row | null;

/**
 * A clone lives beside its source on the same platform, so every value that is unique across
 * tenants must change. Each such unique index needs a rule here; a clone refuses to start when a
 * table has one without a rule, rather than fail half-way or copy a value it must not.
 */
const RULES: Record<string, CloneRule> = {
  // Keys of a clone must not work: the source's screens hold the secrets. The device keeps its
  // row and is given a key again (rotateDeviceKey or pairing).
  'devices.key_prefix': (row) => ({ ...row, key_prefix: null, key_hash: null }),
  // An API key stays in the list for its history, revoked, with a prefix and hash of its own.
  'api_keys.prefix': (row, now) => {
    const { prefix, hash } = mintKey('ak');
    return { ...row, prefix, key_hash: hash, revoked_at: row.revoked_at ?? now };
  },
  'qr_contents.code': (row) => ({ ...row, code: newQrCode() }),
  // The mailed token belongs to the source: a pending invitation is revoked in the clone.
  'invitations.token_hash': (row, now) => ({
    ...row,
    token_hash: newInvitationToken(1).tokenHash,
    revoked_at: row.accepted_at || row.revoked_at ? row.revoked_at : now,
  }),
  // A hostname points at one tenant; the clone's owner adds and verifies domains of its own.
  'tenant_domains.hostname': () => null,
};

const ruleKey = (table: string, ix: UniqueIndex) => `${table}.${ix.expression ? ix.name : ix.columns.join('+')}`;

/** The rules a clone applies, per table; BAD_USER_INPUT when a platform-wide unique index has none. */
export function cloneRules(tables: TableInfo[]): Map<string, CloneRule[]> {
  const rules = new Map<string, CloneRule[]>();
  for (const table of tables) {
    if (table.kind !== 'tenant') continue;
    for (const ix of table.uniqueIndexes) {
      if (ix.columns.includes('tenant_id')) continue;
      const rule = RULES[ruleKey(table.name, ix)];
      if (!rule) throw badInput('as-new', `cannot clone: ${table.name} has the platform-wide unique index ${ix.name} and no rule to regenerate it`);
      rules.set(table.name, [...(rules.get(table.name) ?? []), rule]);
    }
  }
  return rules;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * Rewrites the ids in a row's JSON text: ids of accounts through `accounts` (archive id → the
 * target's account), ids to keep as they are, and, for a clone, every other id to a new one
 * derived from the source id with a secret salt, so references between rows (columns, arrays,
 * JSON values, even ids inside text) stay consistent without a table of every id in memory.
 */
export class IdMap {
  readonly accounts = new Map<string, string>();
  readonly kept = new Set<string>();

  constructor(private readonly salt: Buffer | null) {}

  id(source: string): string {
    const account = this.accounts.get(source);
    if (account) return account;
    if (!this.salt || this.kept.has(source)) return source;
    const b = createHmac('sha256', this.salt).update(source).digest();
    b[6] = (b[6]! & 0x0f) | 0x40; // version 4 layout
    b[8] = (b[8]! & 0x3f) | 0x80;
    const hex = b.subarray(0, 16).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  text(json: string): string {
    return this.salt || this.accounts.size ? json.replace(UUID, (u) => this.id(u)) : json;
  }
}
