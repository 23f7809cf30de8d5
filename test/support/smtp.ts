import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type ReceivedMail = { to: string; subject: string; text: string };

/**
 * A local SMTP server on a free loopback port, so tests read mail the way a person does: sent by
 * the gateway's real mailer (nodemailer, SMTP_URL) and received over SMTP.
 */
export async function startSmtp(): Promise<{ url: string; mails: ReceivedMail[]; waitFor(to: string, subject: RegExp, timeoutMs?: number): Promise<ReceivedMail>; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          for (const rcpt of session.envelope.rcptTo) mails.push({ to: rcpt.address, subject: parsed.subject ?? '', text: parsed.text ?? '' });
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    async waitFor(to, subject, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = mails.filter((m) => m.to === to && subject.test(m.subject)).at(-1);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${subject} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The token of a mailed link; it must travel in the fragment, never in the query. */
export function linkToken(mail: ReceivedMail): { link: string; token: string } {
  const link = /(https?:\/\/\S+)/.exec(mail.text)?.[1];
  if (!link) throw new Error(`no link in mail "${mail.subject}"`);
  const url = new URL(link);
  if (url.search.includes('token')) throw new Error(`token in the query of ${link}`);
  const token = new URLSearchParams(url.hash.slice(1)).get('token');
  if (!token) throw new Error(`no token in the fragment of ${link}`);
  return { link, token };
}
