import type { TableInfo } from '../catalog.js';
import type { OmittedColumn } from './archive.js';

/**
 * What a backup does with secrets. Hashes of high-entropy random keys (API keys, device keys,
 * invitation tokens) are kept: nobody can turn them back into a key, and a restored tenant's
 * screens and integrations keep working. Password hashes are not: argon2id slows guessing but a
 * weak password still falls to an offline attack on a stolen archive, and the runtime role a
 * backup reads through cannot read them anyway. An account a restore has to create anew gets a
 * hash of a random secret nobody knows (see lockedPasswordHash), so it cannot sign in until its
 * password is set again.
 */
const OMITTED: Record<string, string> = {
  'users.password_hash': 'password hashes are offline-crackable; never archived',
};

/**
 * The columns a backup leaves out. A column the runtime role cannot read must be one the policy
 * names: an unknown one stops the backup, so nothing is dropped silently.
 */
export function omittedColumns(tables: TableInfo[]): OmittedColumn[] {
  const omitted: OmittedColumn[] = [];
  for (const table of tables) {
    for (const column of table.columns) {
      if (column.readable || column.generated) continue;
      const reason = OMITTED[`${table.name}.${column.name}`];
      if (!reason) {
        throw new Error(`${table.name}.${column.name} cannot be read by the runtime role and the backup policy does not say what to do with it`);
      }
      omitted.push({ table: table.name, column: column.name, reason });
    }
  }
  return omitted;
}
