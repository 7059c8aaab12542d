import { Writable } from 'node:stream';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../test-app.js';
import { freePort, linkIn, startSmtpServer, type SmtpTestServer } from './smtp-test-server.js';

const servers: SmtpTestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});
const smtp = async (port?: number) => {
  const server = await startSmtpServer(port);
  servers.push(server);
  return server;
};

describe('mail through SMTP', () => {
  it('sends the verification link at sign-up through the SMTP server, outside the request', async () => {
    const server = await smtp();
    const t = await createTestApp({ env: { SMTP_URL: server.url, MAIL_FROM: 'Userbox <accounts@example.test>' } });
    const user = await t.createUser({ name: 'Ada <b>Lovelace</b>' });
    // Nothing was sent inside the request: the mail waits in the queue, sealed (it carries the link's token).
    expect(server.mails).toHaveLength(0);
    const [queued] = await t.store.db.selectFrom('jobs').select('payload').execute();
    expect(JSON.parse(queued?.payload ?? '{}')).toEqual({ to: user.email, sealed: expect.stringMatching(/^v1\./) });
    expect(queued?.payload).not.toMatch(/token|verify-email|Confirm/);
    await t.runJobs();
    const [mail] = await server.waitFor(1);
    expect(mail?.subject).toBe('Confirm your email address');
    expect(mail?.to && 'text' in mail.to ? mail.to.text : '').toBe(user.email);
    expect(mail?.from?.value[0]).toMatchObject({ name: 'Userbox', address: 'accounts@example.test' });
    const link = linkIn(mail?.text, t.publicUrl);
    // The page it opens speaks the mail's language (the sign-up's: English here).
    expect(link).toMatch(new RegExp(`^${t.publicUrl}/verify-email\\?token=[A-Za-z0-9_-]{43}&lang=en$`));
    // The HTML part carries the same link, and the name only escaped.
    expect(mail?.html).toContain(`href="${link.replace('&', '&amp;')}"`);
    expect(mail?.html).toContain('Ada &lt;b&gt;Lovelace&lt;/b&gt;');
    // The token is in the mail only: the database keeps its hash, and the delivered job is gone.
    const token = new URL(link).searchParams.get('token') ?? '';
    const rows = await t.store.db.selectFrom('email_links').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(await t.store.db.selectFrom('jobs').selectAll().execute()).toEqual([]);
  });

  it('SMTP down: the sign-up still succeeds, and the mail arrives once the server is back', async () => {
    const port = await freePort();
    const t = await createTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${port}`, JOB_RETRY_DELAY_SECONDS: '30' } });
    const user = await t.createUser();
    await t.runJobs();
    const [job] = await t.store.db.selectFrom('jobs').selectAll().execute();
    expect(job).toMatchObject({ name: 'mail.send', state: 'queued', attempts: 1 });
    expect(job?.last_error).toMatch(/ECONNREFUSED|connect/i);

    const server = await smtp(port);
    // Not before its retry is due …
    t.now.value += 29_000;
    await t.runJobs();
    expect(server.mails).toHaveLength(0);
    // … and then it goes out.
    t.now.value += 1_000;
    await t.runJobs();
    const [mail] = await server.waitFor(1);
    expect(mail?.to && 'text' in mail.to ? mail.to.text : '').toBe(user.email);
    expect(await t.store.db.selectFrom('jobs').selectAll().execute()).toEqual([]);
  });
});

describe('a mail the server keeps refusing', () => {
  it('gives up after its retries with one log line naming the job, never the link', async () => {
    const refusing = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (_address, _session, callback) => callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 })),
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const { port } = refusing.server.address() as { port: number };
    let log = '';
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => ((log += chunk.toString()), done()) }));
    try {
      const t = await createTestApp({ logger, env: { SMTP_URL: `smtp://127.0.0.1:${port}`, JOB_RETRY_LIMIT: '2', JOB_RETRY_DELAY_SECONDS: '1' } });
      await t.createUser();
      for (let i = 0; i < 3; i++) {
        await t.runJobs();
        t.now.value += 60_000;
      }
      const lines = log.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      const gaveUp = lines.filter((l) => l['msg'] === 'job gave up');
      expect(gaveUp).toHaveLength(1);
      expect(gaveUp[0]).toMatchObject({ job: 'mail.send', jobId: expect.any(String), attempts: 3 });
      expect(log).toContain('job failed, will retry');
      expect(log).not.toContain('token=');
      expect(log).not.toContain('verify-email');
    } finally {
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
  });
});

describe('the embedded outbox', () => {
  it('keeps every mail without SMTP_URL and lists it at /dev/outbox.json, newest first', async () => {
    const t = await createTestApp();
    const first = await t.createUser();
    t.now.value += 1000;
    const second = await t.createUser();
    await t.runJobs();
    const res = await t.agent.get('/dev/outbox.json').expect(200).expect('Cache-Control', 'no-store');
    const mails = res.body as Array<Record<string, string>>;
    expect(mails.map((m) => m['to'])).toEqual([second.email, first.email]);
    expect(Object.keys(mails[0] ?? {}).sort()).toEqual(['html', 'sentAt', 'subject', 'text', 'to']);
    expect(mails[0]).toMatchObject({ subject: 'Confirm your email address', sentAt: new Date(t.now.value).toISOString() });
  });

  it('shows the mail at /dev/outbox with its links clickable, under the strict CSP', async () => {
    const t = await createTestApp();
    await t.createUser({ name: '<script>alert(1)</script>' });
    await t.runJobs();
    const res = await t.agent.get('/dev/outbox').expect(200).expect('Content-Type', /html/);
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(res.text).toMatch(new RegExp(`<a href="${t.publicUrl}/verify-email\\?token=[A-Za-z0-9_-]{43}&amp;lang=en">`));
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('&lt;script&gt;');
  });

  it('is not there in production, nor when the service listens beyond loopback', async () => {
    const elsewhere: Array<Record<string, string>> = [{ NODE_ENV: 'production' }, { HOST: '0.0.0.0' }, { HOST: '192.0.2.10' }];
    for (const env of elsewhere) {
      const t = await createTestApp({ env });
      await t.agent.get('/dev/outbox.json').expect(404);
      await t.agent.get('/dev/outbox').expect(404);
    }
    const local = await createTestApp({ env: { HOST: '::1' } });
    await local.agent.get('/dev/outbox.json').expect(200);
  });
});
