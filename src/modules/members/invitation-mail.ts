import { randomBytes } from 'node:crypto';
import { sha256 } from '../../auth/tokens.js';
import type { Config } from '../../config.js';
import { mailLink } from '../../mail/links.js';
import type { Mail } from '../../mail/mailer.js';

/** A single-use invitation token (only its hash is stored) and when it expires. */
export function newInvitationToken(ttlHours: number): { token: string; tokenHash: string; expiresAt: Date } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: sha256(token), expiresAt: new Date(Date.now() + ttlHours * 3_600_000) };
}

export function invitationMail(config: Pick<Config, 'accounts' | 'invitationTtlHours'>, to: string, tenantName: string, role: string, token: string): Mail {
  const link = mailLink(config.accounts.linkTemplate, 'accept-invitation', token);
  return {
    to,
    subject: `You are invited to ${tenantName} on Anthias Cloud`,
    text: `You have been invited to join ${tenantName} as ${role}.\n\nAccept within ${config.invitationTtlHours} hours: ${link}\n\nOr call acceptInvitation(token: "${token}").\n`,
  };
}
