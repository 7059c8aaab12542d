import { linkIn, startSmtpServer } from '../../auth-service/test/mail/smtp-test-server.js';

/** One mail as the tests read it. */
export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * The service's test SMTP server (one owner: auth-service/test/mail/smtp-test-server.ts) as the browser specs use
 * it: the service's SMTP_URL points here, so the specs read the mail the service really sent.
 */
export interface Mailbox {
  url: string;
  /** The newest mail to `to` with this subject, waiting for it to arrive (the service sends from its queue). */
  waitFor(to: string, subject: string, timeoutMs?: number): Promise<ReceivedMail>;
  /** The first link to `serviceUrl` in a mail. */
  linkIn(mail: ReceivedMail, serviceUrl: string): string;
  close(): Promise<void>;
}

export async function startMailbox(): Promise<Mailbox> {
  const server = await startSmtpServer();
  return {
    url: server.url,
    async waitFor(to, subject, timeoutMs = 15_000) {
      const mail = await server.waitForMail(to, subject, timeoutMs);
      return { to: to.toLowerCase(), subject: mail.subject ?? '', text: mail.text ?? '', html: typeof mail.html === 'string' ? mail.html : '' };
    },
    linkIn: (mail, serviceUrl) => linkIn(mail.text, serviceUrl),
    close: () => server.close(),
  };
}
