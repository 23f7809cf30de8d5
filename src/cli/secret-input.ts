import { AppError } from '../errors.js';

const MAX_SECRET_BYTES = 4096;

/**
 * A secret for a command, never from its command line (shell history, `ps`): the named
 * environment variable, else standard input when it is not a terminal (its first line).
 */
export async function readSecret(envName: string, what: string): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) {
    throw new AppError('BAD_USER_INPUT', `give the ${what} on standard input (printf '%s' "$SECRET" | anthias …) or in ${envName}`);
  }
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.length > MAX_SECRET_BYTES) throw new AppError('BAD_USER_INPUT', `the ${what} on standard input is longer than ${MAX_SECRET_BYTES} bytes`);
  }
  const secret = text.split(/\r?\n/)[0] ?? '';
  if (!secret) throw new AppError('BAD_USER_INPUT', `standard input held no ${what} (or set ${envName})`);
  return secret;
}
