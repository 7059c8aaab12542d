import express from 'express';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createSessionCookie, defaultSyncDomain } from '../src/routes/session-cookie.js';
import { createTestApp } from './test-app.js';

/** The userbox_sync cookie of a response, as its Set-Cookie line. */
function syncCookie(res: { headers: Record<string, unknown> }): string {
  const lines = (res.headers['set-cookie'] as string[] | undefined) ?? [];
  const line = lines.find((l) => l.startsWith('userbox_sync='));
  if (!line) throw new Error(`no userbox_sync cookie in ${JSON.stringify(lines)}`);
  return line;
}

const valueOf = (line: string) => line.split(';')[0]!.split('=')[1]!;

describe('the site-wide sync cookie (how tabs of the site’s other apps hear of a sign-in or sign-out)', () => {
  it('is set at sign-in for the whole site, readable by script, naming nobody, and changes at sign-out', async () => {
    const t = await createTestApp({ publicUrl: 'https://accounts.example.test' });
    const user = await t.createUser();
    const signIn = await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const first = syncCookie(signIn);
    expect(first).toMatch(/; Domain=example\.test;/);
    expect(first).toMatch(/; Secure/);
    expect(first).toMatch(/; SameSite=Lax/);
    expect(first).not.toMatch(/HttpOnly/);
    expect(valueOf(first)).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(first).not.toContain(user.id);

    const signOut = await t.agent.delete('/api/session').expect(204);
    const second = syncCookie(signOut);
    expect(valueOf(second)).not.toBe(valueOf(first));
    expect(second).toMatch(/; Domain=example\.test;/);
  });

  it('changes on sign-out everywhere and on a new sign-in, so every change is seen', async () => {
    const t = await createTestApp();
    const user = await t.createUser();
    const values = new Set<string>();
    values.add(valueOf(syncCookie(await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200))));
    values.add(valueOf(syncCookie(await t.agent.delete('/api/sessions').expect(204))));
    values.add(valueOf(syncCookie(await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200))));
    expect(values.size).toBe(3);
  });

  it('changes when what the box shows changes without a sign-in: name or picture (API and account page), password', async () => {
    const t = await createTestApp();
    const user = await t.createUser();
    const values = new Set<string>();
    values.add(valueOf(syncCookie(await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200))));
    values.add(valueOf(syncCookie(await t.agent.patch('/api/me').send({ name: 'Augusta Ada King' }).expect(200))));
    const csrf = await t.formToken('/account');
    const form = { name: 'Ada King', picture: 'https://img.example.test/ada.png', csrf };
    values.add(valueOf(syncCookie(await t.agent.post('/account/profile').type('form').send(form).expect(303))));
    const newPassword = 'entirely new passphrase';
    values.add(valueOf(syncCookie(await t.agent.post('/api/me/password').send({ currentPassword: user.password, newPassword }).expect(204))));
    expect(values.size).toBe(4);
  });

  it('is not sent when a change is refused (the view did not change)', async () => {
    const t = await createTestApp();
    const user = await t.createUser();
    await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const res = await t.agent.patch('/api/me').send({ picture: 'javascript:alert(1)' }).expect(400);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('is not sent on requests that change no session (the hot /api/me)', async () => {
    const t = await createTestApp();
    const res = await t.agent.get('/api/me').expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('is shared on the parent domain of a service with three or more labels, host-only otherwise', () => {
    expect(defaultSyncDomain('https://accounts.example.com')).toBe('example.com');
    expect(defaultSyncDomain('https://id.eu.example.com:8443')).toBe('example.com');
    expect(defaultSyncDomain('https://example.com')).toBeUndefined();
    expect(defaultSyncDomain('http://localhost:4000')).toBeUndefined();
    expect(defaultSyncDomain('http://127.0.0.1:4000')).toBeUndefined();
    expect(defaultSyncDomain('http://[::1]:4000')).toBeUndefined();
  });

  it('takes its domain from SYNC_COOKIE_DOMAIN (a public suffix of two labels), and refuses a malformed one', async () => {
    const config = loadConfig({ PUBLIC_URL: 'https://accounts.example.co.uk', SYNC_COOKIE_DOMAIN: 'example.co.uk' });
    expect(config.syncCookieDomain).toBe('example.co.uk');
    const cookie = createSessionCookie(config.publicUrl, () => 0, config.syncCookieDomain);
    const app = express().get('/', (_req, res) => {
      cookie.clear(res);
      res.end();
    });
    expect(syncCookie(await supertest(app).get('/'))).toMatch(/; Domain=example\.co\.uk;/);
    expect(loadConfig({ PUBLIC_URL: 'https://accounts.example.co.uk' }).syncCookieDomain).toBeUndefined();
    expect(() => loadConfig({ SYNC_COOKIE_DOMAIN: 'example.com; Secure' })).toThrow(/SYNC_COOKIE_DOMAIN/);
    expect(() => loadConfig({ SYNC_COOKIE_DOMAIN: 'localhost' })).toThrow(/SYNC_COOKIE_DOMAIN/);
  });
});
