import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { createAppRegistry, readAppsFile } from '../src/services/apps.js';
import { initialsOf } from '../src/services/users.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { appOrigin, createTestApp, serviceOrigin, type TestApp } from './test-app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

const signUp = (body: unknown) => supertest(t.app).post('/api/users').set('Origin', serviceOrigin).send(body as object);

/** The `name=value` of the session cookie a response sets. */
function sessionCookie(res: supertest.Response): string {
  const set = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  const cookie = set.find((c) => c.startsWith('userbox_session='))?.split(';')[0];
  expect(cookie, 'no session cookie set').toBeDefined();
  return cookie!;
}

async function signedInAgent(overrides: Partial<{ name: string; email: string; password: string }> = {}) {
  const user = await t.createUser(overrides);
  await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
  return user;
}

describe('POST /api/users (sign-up)', () => {
  it('creates a user with a normalised email (trimmed, domain lower-cased)', async () => {
    const res = await signUp({ email: '  Ada.Lovelace@Example.COM ', name: '  Ada Lovelace ', password: 'analytical engine 1843' }).expect(201);
    expect(res.body.user).toMatchObject({ email: 'Ada.Lovelace@example.com', name: 'Ada Lovelace', initials: 'AL', picture: null });
    const login = await t.agent.post('/api/session').send({ email: 'Ada.Lovelace@EXAMPLE.com', password: 'analytical engine 1843' });
    expect(login.status).toBe(200);
  });

  it('answers 409 EMAIL_TAKEN for an email that exists, however its domain is cased', async () => {
    await signUp({ email: 'grace@navy.mil', name: 'Grace', password: 'cobol compiler 1959' }).expect(201);
    const res = await signUp({ email: ' grace@NAVY.MIL', name: 'Other', password: 'another password 1' }).expect(409);
    expect(res.body).toEqual({ error: { code: 'EMAIL_TAKEN', message: 'An account with this email already exists.' } });
  });

  it('treats emails that differ only in case as one account: 409 on sign-up, the same account on sign-in', async () => {
    const bob = await signUp({ email: 'Bob@example.com', name: 'Bob', password: 'bobs own passphrase' }).expect(201);
    const lookAlike = await signUp({ email: 'bob@example.com', name: 'Mallory', password: 'mallorys passphrase' }).expect(409);
    expect(lookAlike.body.error.code).toBe('EMAIL_TAKEN');
    await signUp({ email: 'BOB@EXAMPLE.COM', name: 'Mallory', password: 'mallorys passphrase' }).expect(409);
    // The address is kept as typed for display; any casing signs in to it.
    const login = await t.agent.post('/api/session').send({ email: 'bOB@example.com', password: 'bobs own passphrase' }).expect(200);
    expect(login.body.user).toMatchObject({ id: bob.body.user.id, email: 'Bob@example.com' });
  });

  it.each([
    ['shorter than 12 characters (ASVS 2.1.1)', 'short123456', 'Use at least 12 characters.'],
    ['among the most common', 'qwerty123456', 'This password is one of the most common ones. Choose another.'],
    ['common, in other case', 'LeaveMeAlone', 'This password is one of the most common ones. Choose another.'],
    ['the email itself', 'someone@example.test', 'Do not use your email address as your password.'],
  ])('answers 422 WEAK_PASSWORD for a password %s', async (_label, password, message) => {
    const res = await signUp({ email: 'someone@example.test', name: 'Someone', password }).expect(422);
    expect(res.body).toEqual({ error: { code: 'WEAK_PASSWORD', message } });
  });

  it('counts characters, not bytes: twelve emoji are twelve characters', async () => {
    await signUp({ email: 'emoji@example.test', name: 'E', password: '🔐'.repeat(12) }).expect(201);
    await signUp({ email: 'emoji2@example.test', name: 'E', password: '🔐'.repeat(11) }).expect(422);
  });

  it.each([
    ['Chinese', '李小龍'],
    ['Arabic', 'مريم الأسطرلابي'],
    ['combining marks and emoji', 'Zoë 👩🏽‍💻 Ñuñez'],
    ['80 characters', 'a'.repeat(80)],
    ['SQL-looking text, kept verbatim', "Robert'); DROP TABLE users;--"],
  ])('accepts a name in %s', async (_label, name) => {
    const res = await signUp({ email: `n${Math.random()}@example.test`, name, password: 'a decent passphrase' }).expect(201);
    expect(res.body.user.name).toBe(name);
    expect((await t.store.users.findById(res.body.user.id))?.name).toBe(name);
  });

  it.each([
    ['empty after trimming', '   '],
    ['81 characters', 'a'.repeat(81)],
    ['a control character', 'Ada\u0007Lovelace'],
    ['a newline', 'Ada\nLovelace'],
    ['a bidi override', 'Ada\u202Eecalevol'],
  ])('refuses a name that is %s (400 VALIDATION_FAILED)', async (_label, name) => {
    const res = await signUp({ email: 'x@example.test', name, password: 'a decent passphrase' }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.message).toMatch(/^name: /);
  });

  it.each([
    ['a zero-width space (U+200B)', 'Ada\u200BLovelace'],
    ['a left-to-right mark (U+200E)', 'Ada Lovelace\u200E'],
    ['a right-to-left mark (U+200F)', '\u200FAda Lovelace'],
    ['an Arabic letter mark (U+061C)', 'مريم\u061C Ada'],
    ['a bidi isolate (U+2067)', 'Ada\u2067Lovelace'],
  ])('refuses a name with %s, saying why (400), on sign-up and on a profile change', async (_label, name) => {
    const message = 'name: Names cannot contain invisible characters or text-direction marks.';
    const res = await signUp({ email: 'x@example.test', name, password: 'a decent passphrase' }).expect(400);
    expect(res.body.error).toEqual({ code: 'VALIDATION_FAILED', message });
    await signedInAgent();
    expect((await t.agent.patch('/api/me').send({ name }).expect(400)).body.error).toEqual({ code: 'VALIDATION_FAILED', message });
  });

  it('keeps the joiners that names and emoji need (ZWJ, ZWNJ)', async () => {
    for (const name of ['👩🏽\u200D💻 Ada', 'می\u200Cخواهم']) {
      expect((await signUp({ email: `j${Math.random()}@example.test`, name, password: 'a decent passphrase' }).expect(201)).body.user.name).toBe(name);
    }
  });

  it('refuses an invalid email, unknown fields and wrong types', async () => {
    expect((await signUp({ email: 'not-an-email', name: 'A', password: 'a decent passphrase' }).expect(400)).body.error.message).toMatch(/^email: /);
    expect((await signUp({ email: 'a@example.test', name: 'A', password: 'a decent passphrase', admin: true }).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
    expect((await signUp({ email: 'a@example.test', name: 42, password: 'a decent passphrase' }).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
    expect((await signUp(['a']).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
  });

  it('answers 413 for an oversized body and 415 for a non-JSON one', async () => {
    const big = await signUp({ email: 'a@example.test', name: 'A', password: 'x'.repeat(20_000) }).expect(413);
    expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const form = await supertest(t.app).post('/api/users').set('Origin', serviceOrigin).type('form').send('email=a@b.c').expect(415);
    expect(form.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('never stores the password', async () => {
    const res = await signUp({ email: 'p@example.test', name: 'P', password: 'my secret passphrase' }).expect(201);
    const row = await t.store.users.findById(res.body.user.id);
    expect(row?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(JSON.stringify(row)).not.toContain('my secret passphrase');
  });
});

describe('PATCH /api/me (profile)', () => {
  it('changes name and picture; initials follow the name', async () => {
    await signedInAgent({ name: 'Ada Lovelace' });
    const res = await t.agent.patch('/api/me').send({ name: 'Augusta King', picture: 'https://img.example.test/a.png' }).expect(200);
    expect(res.body.user).toMatchObject({ name: 'Augusta King', initials: 'AK', picture: 'https://img.example.test/a.png' });
    expect((await t.agent.get('/api/me')).body.user.name).toBe('Augusta King');
    await t.agent.patch('/api/me').send({ picture: null }).expect(200);
    expect((await t.agent.get('/api/me')).body.user.picture).toBeNull();
  });

  it.each([
    ['http', 'http://img.example.test/a.png'],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:image/svg+xml,<svg onload=alert(1)>'],
    ['too long', `https://img.example.test/${'a'.repeat(2100)}`],
    ['not a URL', 'a picture'],
  ])('refuses a %s picture URL', async (_label, picture) => {
    await signedInAgent();
    const res = await t.agent.patch('/api/me').send({ picture }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect((await t.agent.get('/api/me')).body.user.picture).toBeNull();
  });

  it('needs a session (401 UNAUTHENTICATED) and refuses unknown fields', async () => {
    await supertest(t.app).patch('/api/me').set('Origin', serviceOrigin).send({ name: 'X' }).expect(401);
    await signedInAgent();
    expect((await t.agent.patch('/api/me').send({ email: 'new@example.test' }).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('POST /api/me/password', () => {
  it('needs the current password, then ends every other session but this one', async () => {
    const user = await signedInAgent();
    const other = supertest.agent(t.app).set('Origin', serviceOrigin);
    await other.post('/api/session').send({ email: user.email, password: user.password }).expect(200);

    const wrong = await t.agent.post('/api/me/password').send({ currentPassword: 'nope nope nope', newPassword: 'a brand new passphrase' }).expect(401);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
    expect((await other.get('/api/me')).body.user).not.toBeNull();

    await t.agent.post('/api/me/password').send({ currentPassword: user.password, newPassword: 'a brand new passphrase' }).expect(204);
    expect((await t.agent.get('/api/me')).body.user.id).toBe(user.id);
    expect((await other.get('/api/me')).body).toEqual({ user: null });
    await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(401);
    await t.agent.post('/api/session').send({ email: user.email, password: 'a brand new passphrase' }).expect(200);
  });

  it('gives this browser a new session token: the old cookie value is signed out, the session stays signed in', async () => {
    const user = await signedInAgent();
    const before = (await t.agent.get('/api/me')).body.session.id as string;
    const oldCookie = sessionCookie(await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200));
    const sessionId = (await t.agent.get('/api/me')).body.session.id as string;
    // The same account signing in again on this browser renews its session (a new token, same id).
    expect(sessionId).toBe(before);
    expect((await supertest(t.app).get('/api/me').set('Cookie', oldCookie)).body.session.id).toBe(sessionId);

    const change = await t.agent.post('/api/me/password').send({ currentPassword: user.password, newPassword: 'a brand new passphrase' }).expect(204);
    const newCookie = sessionCookie(change);
    expect(newCookie).toMatch(/^userbox_session=[A-Za-z0-9_-]{43}$/);
    expect(newCookie).not.toBe(oldCookie);
    expect((await supertest(t.app).get('/api/me').set('Cookie', oldCookie)).body).toEqual({ user: null });
    const me = (await supertest(t.app).get('/api/me').set('Cookie', newCookie)).body;
    expect(me.user.id).toBe(user.id);
    // The same session, not a new sign-in: its id (the tokens it is bound to, its place in the list) stays.
    expect(me.session.id).toBe(sessionId);
    expect((await t.agent.get('/api/sessions')).body.sessions).toEqual([expect.objectContaining({ id: sessionId, current: true })]);
  });

  it('counts wrong current passwords like failed sign-ins, and throttles them alike', async () => {
    const strict = await createTestApp({ trustProxy: 1, loginThrottle: { freeAttempts: 3, maxDelayMs: 60_000, accountLockThreshold: 100, accountLockMs: 60_000, deviceLockThreshold: 100 } });
    const user = await strict.createUser();
    const agent = supertest.agent(strict.app).set('Origin', serviceOrigin).set('X-Forwarded-For', '203.0.113.40');
    await agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    for (let i = 0; i < 3; i++) {
      await agent.post('/api/me/password').send({ currentPassword: `guess ${i}`, newPassword: 'a brand new passphrase' }).expect(401);
    }
    const limited = await agent.post('/api/me/password').send({ currentPassword: user.password, newPassword: 'a brand new passphrase' }).expect(429);
    expect(limited.body.error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // One count: the sign-in from that client waits too.
    await agent.post('/api/session').send({ email: user.email, password: user.password }).expect(429);
    strict.now.value += 1000;
    await agent.post('/api/me/password').send({ currentPassword: user.password, newPassword: 'a brand new passphrase' }).expect(204);
  });

  it('applies the same strength rules (422)', async () => {
    const user = await signedInAgent();
    const res = await t.agent.post('/api/me/password').send({ currentPassword: user.password, newPassword: 'qwerty123456' }).expect(422);
    expect(res.body.error.code).toBe('WEAK_PASSWORD');
  });
});

describe('sessions', () => {
  it('GET /api/sessions lists this user’s sessions with device, IP and which one is current', async () => {
    const user = await signedInAgent();
    const phone = supertest.agent(t.app).set('Origin', serviceOrigin).set('User-Agent', 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36');
    await phone.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const stranger = await t.createUser();
    await supertest(t.app).post('/api/session').set('Origin', serviceOrigin).send({ email: stranger.email, password: stranger.password }).expect(200);

    const res = await t.agent.get('/api/sessions').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.sessions).toHaveLength(2);
    expect(res.body.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(res.body.sessions.map((s: { device: string }) => s.device)).toContain('Chrome on Android');
    expect(res.body.sessions[0]).toEqual({
      id: expect.any(String),
      current: expect.any(Boolean),
      device: expect.any(String),
      ip: expect.stringContaining('127.0.0.1'),
      place: null,
      createdAt: expect.any(String),
      lastSeenAt: expect.any(String),
      expiresAt: expect.any(String),
    });
  });

  it('names the place a session began from the browser’s time zone, and drops zones that are not real', async () => {
    const user = await t.createUser();
    const signInWith = (timeZone: unknown) =>
      supertest.agent(t.app).set('Origin', serviceOrigin).post('/api/session').send({ email: user.email, password: user.password, timeZone });
    await signInWith('America/Argentina/Buenos_Aires').expect(200);
    await signInWith('Mars/Olympus_Mons').expect(200);
    await signInWith('Etc/GMT+2').expect(200);
    await t.agent.post('/api/session').send({ email: user.email, password: user.password, timeZone: 'Europe/Berlin' }).expect(200);
    const places = (await t.agent.get('/api/sessions').expect(200)).body.sessions.map((s: { place: string | null }) => s.place);
    expect(places.sort()).toEqual(['Berlin, Europe', 'Buenos Aires, America', null, null]);
    // Wrong types and oversized values are bad input, not ignored.
    expect((await signInWith(42).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
    await signInWith('x'.repeat(65)).expect(400);
  });

  it('DELETE /api/sessions/:id signs out that one session, and only one of your own', async () => {
    const user = await signedInAgent();
    const other = supertest.agent(t.app).set('Origin', serviceOrigin);
    await other.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const otherId = (await other.get('/api/me')).body.session.id as string;

    const strangerAgent = supertest.agent(t.app).set('Origin', serviceOrigin);
    const stranger = await t.createUser();
    await strangerAgent.post('/api/session').send({ email: stranger.email, password: stranger.password }).expect(200);
    expect((await strangerAgent.delete(`/api/sessions/${otherId}`).expect(404)).body.error.code).toBe('NOT_FOUND');
    expect((await other.get('/api/me')).body.user).not.toBeNull();

    await t.agent.delete(`/api/sessions/${otherId}`).expect(204);
    expect((await other.get('/api/me')).body).toEqual({ user: null });
    expect((await t.agent.get('/api/me')).body.user).not.toBeNull();
  });

  it('DELETE /api/sessions signs out everywhere, this browser included', async () => {
    const user = await signedInAgent();
    const other = supertest.agent(t.app).set('Origin', serviceOrigin);
    await other.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    await t.agent.delete('/api/sessions').expect(204);
    expect((await t.agent.get('/api/me')).body).toEqual({ user: null });
    expect((await other.get('/api/me')).body).toEqual({ user: null });
  });

  it('writes last_seen at most once a minute', async () => {
    await signedInAgent();
    const id = (await t.agent.get('/api/me')).body.session.id as string;
    const seen = async () => Number((await t.store.db.selectFrom('sessions').select('last_seen_at').where('id', '=', id).executeTakeFirstOrThrow()).last_seen_at);
    const first = await seen();
    t.now.value += 30_000;
    await t.agent.get('/api/me').expect(200);
    expect(await seen()).toBe(first);
    t.now.value += 31_000;
    await t.agent.get('/api/me').expect(200);
    expect(await seen()).toBe(first + 61_000);
  });
});

describe('GET /api/apps', () => {
  it('lists the registered apps for the launcher, without origins or redirect URIs', async () => {
    const res = await supertest(t.app).get('/api/apps').expect(200);
    expect(res.body).toEqual({ apps: [{ id: 'news', name: 'News', url: `${appOrigin}/`, icon: null }] });
  });

  it('may be kept by the browser for five minutes, per app origin (a new tab or the next launcher asks nothing)', async () => {
    const res = await supertest(t.app).get('/api/apps').set('Origin', appOrigin).expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['vary']).toMatch(/\bOrigin\b/);
    expect(res.headers['access-control-allow-origin']).toBe(appOrigin);
    // Everything else the API answers stays uncached.
    expect((await supertest(t.app).get('/api/me').expect(200)).headers['cache-control']).toBe('no-store');
  });
});

describe('health', () => {
  it('/healthz says the process is up and /readyz that the database answers', async () => {
    expect((await supertest(t.app).get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
    expect((await supertest(t.app).get('/readyz').expect(200)).body).toEqual({ status: 'ready' });
    await t.store.close();
    const res = await supertest(t.app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('UNAVAILABLE');
  });
});

describe('app registry file', () => {
  it('turns bundled icon names into URLs on the service and keeps https icons', async () => {
    await t.store.apps.upsert({ id: 'mail', name: 'Mail', url: 'https://mail.example.test/', icon: 'mail', origins: ['https://mail.example.test'], redirectUris: [], position: 1, confidential: false, idTokenSignedResponseAlg: 'ES256', hidden: false, jwks: null, backchannelLogoutUri: null, backchannelLogoutSessionRequired: true });
    await t.store.apps.upsert({ id: 'shop', name: 'Shop', url: 'https://shop.example.test/', icon: 'https://cdn.example.test/shop.svg', origins: ['https://shop.example.test'], redirectUris: [], position: 2, confidential: false, idTokenSignedResponseAlg: 'ES256', hidden: false, jwks: null, backchannelLogoutUri: null, backchannelLogoutSessionRequired: true });
    const registry = createAppRegistry(t.store, serviceOrigin);
    await registry.reload();
    expect(registry.launcherEntries().map((a) => a.icon)).toEqual([null, `${serviceOrigin}/assets/icons/mail.svg`, 'https://cdn.example.test/shop.svg']);
  });

  it('counts clients that share an origin as one app, and follows a reload', async () => {
    const record = { icon: null, redirectUris: [], position: 1, confidential: false, idTokenSignedResponseAlg: 'ES256' as const, hidden: false, jwks: null };
    await t.store.apps.upsert({ ...record, id: 'orders', name: 'Orders', url: 'https://orders.example.test/', origins: ['https://orders.example.test'], confidential: true });
    await t.store.apps.upsert({ ...record, id: 'orders-box', name: 'Orders', url: 'https://orders.example.test/', origins: ['https://orders.example.test'], hidden: true });
    await t.store.apps.upsert({ ...record, id: 'news', name: 'News', url: 'https://news.example.test/', origins: ['https://news.example.test'] });
    const registry = createAppRegistry(t.store, serviceOrigin);
    await registry.reload();
    expect(registry.sameApp('orders')).toEqual(['orders', 'orders-box']);
    expect(registry.sameApp('orders-box')).toEqual(['orders', 'orders-box']);
    expect(registry.sameApp('news')).toEqual(['news']);
    expect(registry.sameApp('unknown')).toEqual(['unknown']);
    await t.store.apps.upsert({ ...record, id: 'news', name: 'News', url: 'https://news.example.test/', origins: ['https://news.example.test', 'https://orders.example.test'] });
    expect(registry.sameApp('news')).toEqual(['news']);
    await registry.reload();
    expect(registry.sameApp('news')).toEqual(['news', 'orders', 'orders-box']);
  });

  it('serves bundled icons so other sites can show them', async () => {
    const res = await supertest(t.app).get('/assets/icons/mail.svg').expect(200);
    expect(res.headers['content-type']).toMatch(/image\/svg\+xml/);
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
  });

  it('validates userbox.apps.json and names the bad field', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'userbox-apps-'));
    const file = path.join(dir, 'apps.json');
    writeFileSync(file, JSON.stringify({ apps: [{ id: 'a', name: 'A', url: 'https://a.test/', origins: ['https://a.test/*'] }] }));
    await expect(readAppsFile(file)).rejects.toThrow(/apps\.0\.origins\.0: must be an exact origin/);
    writeFileSync(file, JSON.stringify({ apps: [{ id: 'a', name: 'A', url: 'https://a.test/', origins: ['https://a.test'], icon: 'mail' }] }));
    expect(await readAppsFile(file)).toEqual([{ id: 'a', name: 'A', url: 'https://a.test/', origins: ['https://a.test'], icon: 'mail', redirectUris: [], position: 0, confidential: false, idTokenSignedResponseAlg: 'ES256', hidden: false, jwks: null, privacyPolicyUrl: null, termsOfServiceUrl: null, backchannelLogoutUri: null, backchannelLogoutSessionRequired: true }]);
    writeFileSync(file, JSON.stringify({ apps: [{ id: 'a', name: 'A', url: 'https://a.test/', origins: ['https://a.test'], privacyPolicyUrl: 'http://a.test/privacy' }] }));
    await expect(readAppsFile(file)).rejects.toThrow(/apps\.0\.privacyPolicyUrl: must use https/);
  });
});

describe('initials', () => {
  it.each([
    ['Ada Lovelace', 'AL'],
    ['ada king lovelace', 'AL'],
    ['Plato', 'P'],
    ['  Grace   Hopper  ', 'GH'],
    ['李小龍', '李'],
    ['مريم الأسطرلابي', 'ما'],
    ['Émile Zola', 'ÉZ'],
    ['E\u0301mile Zola', 'E\u0301Z'],
    ['👩🏽‍💻 Coder', '👩🏽‍💻C'],
    ['𝒜da Lovelace', '𝒜L'],
  ])('%s → %s', (name, initials) => {
    expect(initialsOf(name)).toBe(initials);
  });
});
