import { createServer } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server in this process (smtp-server, from the Nodemailer project) that keeps what it receives. The
 * one test SMTP server: the service's vitest suites use it, and so do the browser specs (e2e/support/mailbox.ts).
 */
export interface SmtpTestServer {
  port: number;
  /** What SMTP_URL points at. */
  url: string;
  /** Every mail received, parsed, oldest first. */
  mails: ParsedMail[];
  /** Resolves once `count` mails have arrived (rejects after `ms`). */
  waitFor(count: number, ms?: number): Promise<ParsedMail[]>;
  /** The newest mail to `to` (any casing) with this subject, waiting for it to arrive (rejects after `ms`). */
  waitForMail(to: string, subject: string, ms?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

/** A port nothing listens on now (for "the SMTP server is down"; start one on it later). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The addresses a mail was sent to, lower-cased. */
export const recipientsOf = (mail: ParsedMail): string[] =>
  [mail.to ?? []].flat().flatMap((group) => group.value.map((a) => (a.address ?? '').toLowerCase()));

export async function startSmtpServer(port = 0): Promise<SmtpTestServer> {
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback: no certificate to trust in tests.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          mails.push(mail);
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    url: `smtp://127.0.0.1:${address.port}`,
    mails,
    async waitFor(count, ms = 5000) {
      const end = Date.now() + ms;
      while (mails.length < count) {
        if (Date.now() > end) throw new Error(`expected ${count} mails, got ${mails.length}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return mails;
    },
    async waitForMail(to, subject, ms = 5000) {
      const end = Date.now() + ms;
      for (;;) {
        const found = mails.filter((m) => m.subject === subject && recipientsOf(m).includes(to.toLowerCase())).at(-1);
        if (found) return found;
        if (Date.now() > end) {
          throw new Error(`no mail "${subject}" to ${to}; received: ${mails.map((m) => `${recipientsOf(m).join(' ')}: ${m.subject}`).join(', ')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first link to the service in a mail's text. */
export function linkIn(text: string | undefined, publicUrl: string): string {
  const escaped = publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const found = new RegExp(`${escaped}/[^\\s]+`).exec(text ?? '')?.[0];
  if (!found) throw new Error(`no link to ${publicUrl} in: ${text}`);
  return found;
}
