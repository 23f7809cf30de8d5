import nodemailer from 'nodemailer';
import type { Logger } from '../logger.js';

export type Mail = { to: string; subject: string; text: string };

/** How mails (invitations and every other kind) leave the building. Never a silent drop: without SMTP they go to the log. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

export type MailConfig = { smtpUrl?: string; from: string; redactLoggedTokens: boolean };

// Every token this gateway mails is at least 256 random bits in base64url or hex (43 or 64
// characters), whatever the kind of mail: any run this long of those characters is one.
const TOKEN_LIKE = /[A-Za-z0-9_-]{32,}/g;
const redact = (text: string): string => text.replace(TOKEN_LIKE, '[redacted]');

export function createMailer(mail: MailConfig, log: Logger): Mailer {
  if (mail.smtpUrl) {
    const transport = nodemailer.createTransport(mail.smtpUrl);
    return { send: async (m) => void (await transport.sendMail({ from: mail.from, ...m })) };
  }
  // Warn level: an undelivered mail is something an operator must see, whatever LOG_LEVEL says.
  if (!mail.redactLoggedTokens) {
    return { send: async (m) => void log.warn({ mail: m }, 'mail not sent (SMTP_URL is not set): here it is') };
  }
  // Production: logs are read by people and systems that must not hold a live token (an owner
  // invitation lets its holder choose the password), so the mail is logged without its tokens.
  log.warn('SMTP_URL is not set: mails are not delivered; each is logged with its tokens redacted');
  return {
    send: async (m) =>
      void log.warn({ mail: { to: m.to, subject: redact(m.subject), text: redact(m.text) } }, 'mail not delivered (SMTP_URL is not set); its tokens are redacted'),
  };
}
