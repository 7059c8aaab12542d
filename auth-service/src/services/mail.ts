import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Clock } from '../clock.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { OutboxRepository } from '../store/outbox-repository.js';
import { createSealedBox, type SealedBox } from './sealed-box.js';

/** One mail, rendered (views/mails.ts): plain text and HTML of the same message. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where a mail finally goes: an SMTP server, or the embedded outbox. Throws when it could not be handed over. */
export interface MailTransport {
  deliver(mail: Mail): Promise<void>;
  /** Closes its connections (SMTP's pool). */
  close(): void;
}

/** Sends mail from the job queue: `send` only stores the job, so a slow or failing server never holds up a request. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** The job that delivers one mail. */
export const mailJob = 'mail.send';

/**
 * Queued mail is sealed (AES-256-GCM under a key derived from SECRET_KEY): a mail carries a link's token, and the
 * database otherwise keeps only tokens' hashes. The recipient stays readable for whoever runs the queue.
 */
export function mailBox(secretKey: Buffer): SealedBox {
  return createSealedBox(secretKey, 'userbox queued mail v1', 'queued mail');
}

export function createMailer(queue: JobQueue, box: SealedBox): Mailer {
  return {
    async send(mail) {
      await queue.enqueue(mailJob, { to: mail.to, sealed: box.seal(JSON.stringify({ subject: mail.subject, text: mail.text, html: mail.html }), mail.to) });
    },
  };
}

/** Delivers the queue's mail jobs through `transport`; a failure is retried by the queue (never logged with the mail). */
export async function workMail(queue: JobQueue, transport: MailTransport, box: SealedBox): Promise<void> {
  await queue.work<{ to: string; sealed: string }>(mailJob, async ({ to, sealed }) => {
    const { subject, text, html } = JSON.parse(box.open(sealed, to)) as Omit<Mail, 'to'>;
    await transport.deliver({ to, subject, text, html });
  });
}

/** nodemailer over SMTP: `smtp://` (STARTTLS when offered) or `smtps://` (TLS from the start). */
export function smtpTransport(smtpUrl: string, from: string): MailTransport {
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    // A server that does not answer fails the attempt soon, and the queue retries it later.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async deliver(mail) {
      await transporter.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    },
    close: () => transporter.close(),
  };
}

/** The embedded outbox: each mail kept in the database (development and the demo; see `/dev/outbox`). */
export function outboxTransport(outbox: OutboxRepository, clock: Clock): MailTransport {
  let sequence = 0;
  return {
    async deliver(mail) {
      const sentAt = clock();
      sequence = (sequence + 1) % 1e6;
      // Sorts by time, then by order within this process, so mails sent in the same millisecond keep their order.
      const id = `${sentAt.toString(36).padStart(10, '0')}-${String(sequence).padStart(6, '0')}-${randomBytes(4).toString('hex')}`;
      await outbox.insert({ id, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, sent_at: sentAt });
    },
    close: () => undefined,
  };
}

/** The transport the settings name: SMTP when `SMTP_URL` is set, else the embedded outbox. */
export function mailTransportFor(settings: { smtpUrl: string | null; from: string }, outbox: OutboxRepository, clock: Clock): MailTransport {
  return settings.smtpUrl ? smtpTransport(settings.smtpUrl, settings.from) : outboxTransport(outbox, clock);
}
