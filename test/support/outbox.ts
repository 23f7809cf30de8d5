import type { Mail, Mailer } from '../../src/mail/mailer.js';

/** A mailer that keeps what it is given, so tests read invitation tokens as a person reads mail. */
export function outbox(): Mailer & { sent: Mail[]; tokenFor(to: string): string } {
  const sent: Mail[] = [];
  return {
    sent,
    async send(mail) {
      sent.push(mail);
    },
    tokenFor(to) {
      const mail = sent.filter((m) => m.to === to).at(-1);
      const token = mail && /token: "([^"]+)"/.exec(mail.text)?.[1];
      if (!token) throw new Error(`no invitation mail to ${to}`);
      return token;
    },
  };
}
