import { randomBytes } from 'node:crypto';
import { sha256 } from '../../auth/tokens.js';
import type { Config } from '../../config.js';
import { mailLink } from '../../mail/links.js';
import type { Mail } from '../../mail/mailer.js';

/** A mailed single-use token: 256 random bits; only the hash is stored. */
export function newAccountToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: sha256(token) };
}

export function verificationMail(config: Pick<Config, 'accounts'>, to: string, token: string): Mail {
  const link = mailLink(config.accounts.linkTemplate, 'verify-email', token);
  return {
    to,
    subject: 'Confirm your email address for Anthias Cloud',
    text: `Confirm that this address is yours within ${config.accounts.verificationTtlHours} hours: ${link}\n\nOr call verifyEmail(token: "${token}").\n\nIf you did not sign up, ignore this mail.\n`,
  };
}

export function passwordResetMail(config: Pick<Config, 'accounts'>, to: string, token: string): Mail {
  const link = mailLink(config.accounts.linkTemplate, 'reset-password', token);
  return {
    to,
    subject: 'Reset your Anthias Cloud password',
    text: `Choose a new password within ${config.accounts.resetTtlMinutes} minutes: ${link}\n\nOr call resetPassword(token: "${token}", password: "…").\n\nEvery session of your account ends when you do. If you did not ask for this, ignore this mail: your password stays as it is.\n`,
  };
}
