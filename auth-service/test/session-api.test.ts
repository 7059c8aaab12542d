import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { appOrigin, createTestApp, foreignOrigin, type TestApp } from './test-app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

function cookieHeader(res: supertest.Response): string {
  const set = res.headers['set-cookie'] as unknown as string[] | undefined;
  expect(set).toBeDefined();
  return set!.find((c) => c.startsWith('userbox_session=') || c.startsWith('__Host-userbox_session='))!;
}

describe('POST /api/session', () => {
  it('signs in with the right password and sets an HttpOnly, SameSite=Lax session cookie', async () => {
    const user = await t.createUser({ name: 'Grace Hopper' });
    const res = await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    expect(res.body).toMatchObject({
      user: { id: user.id, name: 'Grace Hopper', email: user.email, picture: null, initials: 'GH' },
      session: { expiresAt: expect.any(String) },
    });
    const cookie = cookieHeader(res);
    expect(cookie).toMatch(/^userbox_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\//i);
    expect(cookie).not.toMatch(/; Secure/i);
  });

  it("gives the cookie the session's lifetime on the app's clock, whatever the date", async () => {
    // A clock far from the real one: the cookie's Max-Age must come from the same clock as the session's
    // expiry (24 h in the test app), not from the date the suite happens to run on.
    t.now.value += 400 * 86_400_000;
    const user = await t.createUser();
    const res = await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    expect(cookieHeader(res)).toMatch(/; Max-Age=86400;/);
    t.now.value -= 800 * 86_400_000;
    const again = await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    expect(cookieHeader(again)).toMatch(/; Max-Age=86400;/);
  });

  it('uses a __Host- prefixed, Secure cookie when the service runs on https', async () => {
    const secure = await createTestApp({ publicUrl: 'https://accounts.example.test' });
    const user = await secure.createUser();
    const res = await secure.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const cookie = cookieHeader(res);
    expect(cookie).toMatch(/^__Host-userbox_session=/);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).not.toMatch(/; Domain=/i);
  });

  it('stores only a hash of the session id', async () => {
    const user = await t.createUser();
    const res = await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const token = cookieHeader(res).split(';')[0]!.split('=')[1]!;
    const rows = await t.store.db.selectFrom('sessions').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('answers 401 INVALID_CREDENTIALS for a wrong password and for an unknown email alike', async () => {
    const user = await t.createUser();
    const wrong = await t.agent.post('/api/session').send({ email: user.email, password: 'not the password' }).expect(401);
    const unknown = await t.agent.post('/api/session').send({ email: 'nobody@example.test', password: 'whatever123' }).expect(401);
    expect(wrong.body).toEqual({ error: { code: 'INVALID_CREDENTIALS', message: 'Wrong email or password.' } });
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('answers 400 BAD_REQUEST for malformed JSON, without a stack trace', async () => {
    const res = await t.agent.post('/api/session').set('Content-Type', 'application/json').send('{"email": "a@b.c",').expect(400);
    expect(res.body).toEqual({ error: { code: 'BAD_REQUEST', message: 'The request body is not valid JSON.' } });
    expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('answers 415 for a body that is not JSON and 400 for missing fields', async () => {
    await t.agent.post('/api/session').type('form').send('email=a@b.c&password=x').expect(415);
    const res = await t.agent.post('/api/session').send({ email: 'a@b.c' }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.message).toContain('password');
  });

  it('gives a new session id on every sign-in', async () => {
    const user = await t.createUser();
    const first = cookieHeader(await t.agent.post('/api/session').send({ email: user.email, password: user.password }));
    const second = cookieHeader(await t.agent.post('/api/session').send({ email: user.email, password: user.password }));
    expect(first.split(';')[0]).not.toBe(second.split(';')[0]);
  });
});

describe('GET /api/me', () => {
  it('answers {"user":null} when signed out, never cached', async () => {
    const res = await supertest(t.app).get('/api/me').expect(200);
    expect(res.body).toEqual({ user: null });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers the user and session expiry when signed in', async () => {
    const user = await t.createUser({ name: 'Ada King Lovelace' });
    await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const res = await t.agent.get('/api/me').expect(200);
    expect(res.body.user).toEqual({
      id: user.id,
      name: 'Ada King Lovelace',
      email: user.email,
      picture: null,
      initials: 'AL',
      color: expect.stringMatching(/^#[0-9a-f]{6}$/),
      emailVerified: false,
    });
    expect(Date.parse(res.body.session.expiresAt)).toBeGreaterThan(t.now.value);
  });

  it('forgets a session after the idle timeout and after the absolute lifetime', async () => {
    const user = await t.createUser();
    await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    t.now.value += 59 * 60_000; // idle limit is 60 minutes in the test app
    expect((await t.agent.get('/api/me')).body.user).not.toBeNull();
    t.now.value += 59 * 60_000; // still active: the previous request counted as activity
    expect((await t.agent.get('/api/me')).body.user).not.toBeNull();
    t.now.value += 61 * 60_000;
    expect((await t.agent.get('/api/me')).body).toEqual({ user: null });

    await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    for (let i = 0; i < 30; i++) {
      t.now.value += 50 * 60_000; // active every 50 minutes, but 25 hours in all: past the absolute lifetime
      await t.agent.get('/api/me');
    }
    expect((await t.agent.get('/api/me')).body).toEqual({ user: null });
  });
});

describe('signing out', () => {
  it('DELETE /api/session ends the session and clears the cookie', async () => {
    const user = await t.createUser();
    await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const res = await t.agent.delete('/api/session').expect(204);
    expect(cookieHeader(res)).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await t.agent.get('/api/me')).body).toEqual({ user: null });
    expect(await t.store.db.selectFrom('sessions').selectAll().execute()).toHaveLength(0);
  });

  it('POST /logout (the form) ends the session and redirects to a registered return_to', async () => {
    const user = await t.createUser();
    await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const csrf = await t.formToken('/account');
    const res = await t.agent.post('/logout').type('form').send({ return_to: `${appOrigin}/page`, csrf }).expect(303);
    expect(res.headers.location).toBe(`${appOrigin}/page`);
    expect((await t.agent.get('/api/me')).body).toEqual({ user: null });
  });
});

describe('CORS', () => {
  it('allows credentialed requests from a registered app origin', async () => {
    const res = await supertest(t.app).get('/api/me').set('Origin', appOrigin).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(appOrigin);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['vary']).toMatch(/Origin/);
  });

  it('answers a preflight from a registered app origin', async () => {
    const res = await supertest(t.app)
      .options('/api/session')
      .set('Origin', appOrigin)
      .set('Access-Control-Request-Method', 'DELETE')
      .expect(204);
    expect(res.headers['access-control-allow-methods']).toContain('DELETE');
  });

  it('gives a foreign origin no CORS headers and refuses its state changes', async () => {
    const res = await supertest(t.app).get('/api/me').set('Origin', foreignOrigin).expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    const user = await t.createUser();
    const post = await supertest(t.app)
      .post('/api/session')
      .set('Origin', foreignOrigin)
      .send({ email: user.email, password: user.password })
      .expect(403);
    expect(post.body.error.code).toBe('FORBIDDEN_ORIGIN');
    expect(post.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a state change with no Origin unless the browser says it is same-origin', async () => {
    await supertest(t.app).delete('/api/session').expect(403);
    await supertest(t.app).delete('/api/session').set('Sec-Fetch-Site', 'cross-site').expect(403);
    await supertest(t.app).delete('/api/session').set('Sec-Fetch-Site', 'same-origin').expect(204);
  });

  it('does not treat a look-alike origin as registered', async () => {
    for (const origin of [`${appOrigin}.evil.test`, `${appOrigin}:8080`, 'http://news.example.test', 'null']) {
      const res = await supertest(t.app).get('/api/me').set('Origin', origin);
      expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
  });
});

describe('errors', () => {
  it('answers unknown routes with 404 NOT_FOUND in the error shape', async () => {
    const res = await supertest(t.app).get('/api/nope').expect(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: 'There is nothing here.' } });
  });
});

