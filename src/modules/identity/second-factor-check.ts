import { sql } from 'drizzle-orm';
import { recoveryCodeHash, totpStep } from '../../auth/totp.js';
import type { Database } from '../../db/client.js';
import { rows } from '../../db/rows.js';

/**
 * Sign-in's second step, once the password was right: 'none' (the account has no second factor),
 * 'ok' (the code was spent: a TOTP step is accepted once and never an older one, a recovery code
 * once), 'missing' or 'wrong'.
 */
export async function checkSecondFactor(db: Database, userId: string, code: string | null | undefined): Promise<'none' | 'ok' | 'missing' | 'wrong'> {
  const [factor] = await rows<{ secret: string }>(db, sql`select secret from anthias_second_factor_for_login(${userId}::uuid)`);
  if (!factor) return 'none';
  const given = code?.trim();
  if (!given) return 'missing';
  const step = totpStep(factor.secret, given);
  const [spent] = await rows<{ ok: boolean }>(
    db,
    step === null
      ? sql`select anthias_spend_second_factor(${userId}::uuid, null, ${recoveryCodeHash(given)}) as ok`
      : sql`select anthias_spend_second_factor(${userId}::uuid, ${step}, null) as ok`,
  );
  return spent?.ok ? 'ok' : 'wrong';
}
