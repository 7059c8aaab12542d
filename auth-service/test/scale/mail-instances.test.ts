import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, postgresUrl } from '../store/databases.js';
import { freePort, startSmtpServer, type SmtpTestServer } from '../mail/smtp-test-server.js';
import { startInstance, uniqueName, type Instance } from './instances.js';

// The service as its own process, mailing through a real SMTP server in this one.
const publicUrl = 'http://accounts.example.test';
const password = 'a long enough password for this';

const signUp = (instance: Instance, email: string) =>
  fetch(`${instance.url}/api/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: publicUrl },
    body: JSON.stringify({ email, name: 'Mail Test', password }),
  });

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('mail across restarts and instances', () => {
  it('SQLite: a mail the SMTP server could not take survives SIGTERM and goes out after the restart', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'userbox-mail-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const env = { DATABASE_URL: `sqlite:${path.join(dir, 'userbox.sqlite')}`, PUBLIC_URL: publicUrl, SMTP_URL: `smtp://127.0.0.1:${port}`, JOB_RETRY_DELAY_SECONDS: '1' };
    const first = await startInstance(env);
    const email = `restart-${randomBytes(4).toString('hex')}@example.test`;
    const started = performance.now();
    expect((await signUp(first, email)).status).toBe(201);
    // The sign-up did not wait for the SMTP server (a refused connection, then a retry later).
    expect(performance.now() - started).toBeLessThan(2000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await first.stop('SIGTERM')).toBe(0);

    const server: SmtpTestServer = await startSmtpServer(port);
    cleanups.push(() => server.close());
    const second = await startInstance(env);
    cleanups.push(() => second.stop());
    const [mail] = await server.waitFor(1, 15_000);
    expect(mail?.subject).toBe('Confirm your email address');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(server.mails).toHaveLength(1);
  }, 60_000);

  it.skipIf(postgresUrl === 'skip')('PostgreSQL: two instances send each mail once', async () => {
    const schema = uniqueName('userbox_mail');
    cleanups.push(() => dropSchema(schema));
    const server = await startSmtpServer();
    cleanups.push(() => server.close());
    const env = { DATABASE_URL: postgresUrl, DATABASE_SCHEMA: schema, SECRET_KEY: 'c'.repeat(64), PUBLIC_URL: publicUrl, SMTP_URL: server.url };
    const a = await startInstance(env);
    cleanups.push(() => a.stop());
    const b = await startInstance(env);
    cleanups.push(() => b.stop());
    const emails = Array.from({ length: 8 }, (_, i) => `pg-${i}-${schema}@example.test`);
    for (const [i, email] of emails.entries()) expect((await signUp(i % 2 ? a : b, email)).status).toBe(201);
    await server.waitFor(emails.length, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const to = server.mails.map((m) => (m.to && 'text' in m.to ? m.to.text : ''));
    expect(to.sort()).toEqual([...emails].sort());
  }, 90_000);
});
