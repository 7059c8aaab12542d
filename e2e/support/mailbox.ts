import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One mail as the tests read it. */
export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
}

/**
 * A real SMTP server in the test process (smtp-server, from the Nodemailer project): the service's SMTP_URL
 * points here, so the browser specs read the mail the service really sent.
 */
export interface Mailbox {
  url: string;
  /** The newest mail to `to` with this subject, waiting for it to arrive (the service sends from its queue). */
  waitFor(to: string, subject: string, timeoutMs?: number): Promise<ReceivedMail>;
  /** The first link to `serviceUrl` in a mail. */
  linkIn(mail: ReceivedMail, serviceUrl: string): string;
  close(): Promise<void>;
}

const addressesOf = (mail: ParsedMail): string[] =>
  [mail.to ?? []].flat().flatMap((group) => group.value.map((a) => (a.address ?? '').toLowerCase()));

export async function startMailbox(): Promise<Mailbox> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          for (const to of addressesOf(mail)) received.push({ to, subject: mail.subject ?? '', text: mail.text ?? '' });
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('the test SMTP server has no port');
  return {
    url: `smtp://127.0.0.1:${address.port}`,
    async waitFor(to, subject, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const found = received.filter((m) => m.to === to.toLowerCase() && m.subject === subject).at(-1);
        if (found) return found;
        if (Date.now() > end) throw new Error(`no mail "${subject}" to ${to}; received: ${received.map((m) => `${m.to}: ${m.subject}`).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    linkIn(mail, serviceUrl) {
      const found = mail.text.split(/\s+/).find((word) => word.startsWith(`${serviceUrl}/`));
      if (!found) throw new Error(`no link to ${serviceUrl} in: ${mail.text}`);
      return found;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
