import nodemailer from 'nodemailer';
import type { Logger } from '../logger.js';

export type Mail = { to: string; subject: string; text: string };

/** How invitations leave the building. Never a silent drop: without SMTP they go to the log. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

export function createMailer(mail: { smtpUrl?: string; from: string }, log: Logger): Mailer {
  if (mail.smtpUrl) {
    const transport = nodemailer.createTransport(mail.smtpUrl);
    return { send: async (m) => void (await transport.sendMail({ from: mail.from, ...m })) };
  }
  // Warn level: an undelivered mail is something an operator must see, whatever LOG_LEVEL says.
  return {
    send: async (m) => {
      log.warn({ mail: m }, 'mail not sent (SMTP_URL is not set): here it is');
    },
  };
}
