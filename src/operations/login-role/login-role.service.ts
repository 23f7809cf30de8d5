import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../../db/client.js';
import { AppError } from '../../errors.js';

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const MIN_PASSWORD_LENGTH = 16;
const SCRAM_ITERATIONS = 4096;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

export type LoginRoleResult = { role: string; created: boolean; database: string };

const refuse = (message: string) => new AppError('BAD_USER_INPUT', message);

/**
 * The role the gateway signs in as: LOGIN, a member of anthias_app (which holds every grant and
 * is bound by RLS), owner of nothing, never superuser or BYPASSRLS. Run again, it sets the
 * password (rotation) and grants again; a role that exists with more power, or owns objects here,
 * is refused rather than quietly reduced.
 */
export async function createLoginRole({ db, kind }: DatabaseHandle, role: string, password: string): Promise<LoginRoleResult> {
  if (kind !== 'postgres') throw refuse('create-login-role needs PostgreSQL (DATABASE_URL or MIGRATION_DATABASE_URL); the embedded engine has no roles to sign in as');
  if (!ROLE_NAME.test(role)) throw refuse(`role name "${role}": use lower-case letters, digits and _ (at most 63), starting with a letter or _`);
  if (role === 'anthias_app') throw refuse('anthias_app is the group that holds the grants; name the login role something else');
  if (password.length < MIN_PASSWORD_LENGTH) throw refuse(`the password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  // Printable ASCII is what SASLprep leaves as it is, so the verifier below is the one PostgreSQL computes.
  if (!PRINTABLE_ASCII.test(password)) throw refuse('the password must be printable ASCII (a generated one, e.g. `openssl rand -base64 32`)');

  return db.transaction(async (tx) => {
    const [existing] = (await tx.execute(sql`
      select r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb,
        (select count(*)::int from pg_class c where c.relowner = r.oid)
        + (select count(*)::int from pg_namespace n where n.nspowner = r.oid)
        + (select count(*)::int from pg_proc p where p.proowner = r.oid) as owned
      from pg_roles r where r.rolname = ${role}`)) as unknown as Array<{
      rolsuper: boolean; rolbypassrls: boolean; rolcreaterole: boolean; rolcreatedb: boolean; owned: number;
    }>;
    if (existing && (existing.rolsuper || existing.rolbypassrls || existing.rolcreaterole || existing.rolcreatedb)) {
      throw refuse(`role ${role} exists with superuser, BYPASSRLS, CREATEROLE or CREATEDB: it would see or grant every tenant's rows; choose another name`);
    }
    if (existing && existing.owned > 0) throw refuse(`role ${role} owns ${existing.owned} objects in this database; a login role must own nothing`);

    // The server receives a SCRAM verifier, never the password, so no statement log can hold it.
    const verifier = scramVerifier(password);
    const ident = sql.identifier(role);
    if (existing) await tx.execute(sql`alter role ${ident} login nosuperuser nobypassrls nocreaterole nocreatedb inherit password ${sql.raw(quoteLiteral(verifier))}`);
    else await tx.execute(sql`create role ${ident} login nosuperuser nobypassrls nocreaterole nocreatedb inherit password ${sql.raw(quoteLiteral(verifier))}`);
    await tx.execute(sql`grant anthias_app to ${ident}`);
    const [{ database }] = (await tx.execute(sql`select current_database() as database`)) as unknown as [{ database: string }];
    await tx.execute(sql`grant connect on database ${sql.identifier(database)} to ${ident}`);
    return { role, created: !existing, database };
  });
}

/** PostgreSQL's stored form of a SCRAM-SHA-256 password (RFC 5802, as `CREATE ROLE … PASSWORD` accepts it). */
export function scramVerifier(password: string, salt: Uint8Array = randomBytes(16)): string {
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  const storedKey = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${Buffer.from(salt).toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** The verifier is base64 and `$:`, but quote it as PostgreSQL would anyway. */
const quoteLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;
