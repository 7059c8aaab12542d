import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { appOrigin, createTestApp, serviceOrigin, type TestApp } from '../test-app.js';

let t: TestApp;
let user: { email: string; password: string; id: string };
let cookie: string;
beforeEach(async () => {
  t = await createTestApp();
  user = await t.createUser();
  const res = await supertest(t.app).post('/api/session').set('Origin', serviceOrigin).send({ email: user.email, password: user.password });
  cookie = String(res.headers['set-cookie']).split(';')[0]!;
});

const stateChanging: Array<[string, string, object]> = [
  ['post', '/api/session', { email: 'x@example.test', password: 'whatever password' }],
  ['delete', '/api/session', {}],
  ['post', '/api/users', { email: 'new@example.test', name: 'New', password: 'a fine passphrase' }],
  ['patch', '/api/me', { name: 'Hijacked' }],
  ['post', '/api/me/password', { currentPassword: 'x', newPassword: 'hijacked passphrase' }],
  ['delete', '/api/sessions', {}],
  ['delete', '/api/sessions/some-id', {}],
  ['post', '/login', { email: 'x@example.test', password: 'x' }],
  ['post', '/signup', { email: 'n@example.test', name: 'N', password: 'a fine passphrase' }],
  ['post', '/logout', {}],
  ['post', '/account/profile', { name: 'Hijacked' }],
  ['post', '/account/password', { current_password: 'x', new_password: 'hijacked passphrase' }],
  ['post', '/account/sessions/revoke-all', {}],
  ['post', '/account/sessions/some-id/revoke', {}],
];

async function stateIsIntact() {
  const me = await supertest(t.app).get('/api/me').set('Cookie', cookie).expect(200);
  expect(me.body.user).toMatchObject({ id: user.id, name: 'Ada Lovelace' });
  expect(await t.store.users.count()).toBe(1);
}

describe('CSRF: every state-changing route', () => {
  it.each(stateChanging)('%s %s is refused from a foreign origin, with the victim’s cookie', async (method, path, body) => {
    for (const origin of ['https://evil.test', 'null', `${appOrigin}.evil.test`, 'http://accounts.example.test.evil.test']) {
      const res = await supertest(t.app)[method as 'post'](path).set('Origin', origin).set('Cookie', cookie).send(body);
      expect(res.status, origin).toBe(403);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    await stateIsIntact();
  });

  it.each(stateChanging)('%s %s is refused with no Origin at all (or a cross-site fetch)', async (method, path, body) => {
    await supertest(t.app)[method as 'post'](path).set('Cookie', cookie).send(body).expect(403);
    await supertest(t.app)[method as 'post'](path).set('Cookie', cookie).set('Sec-Fetch-Site', 'cross-site').send(body).expect(403);
    await stateIsIntact();
  });

  it('a registered app may change state for its signed-in user (that is the point), but not the forms', async () => {
    await supertest(t.app).patch('/api/me').set('Origin', appOrigin).set('Cookie', cookie).send({ name: 'Renamed' }).expect(200);
    // The HTML forms need this browser's CSRF token besides the origin, which another site cannot read.
    await supertest(t.app).post('/account/sessions/revoke-all').set('Origin', appOrigin).set('Cookie', cookie).type('form').send({}).expect(403);
  });
});

const lookAlikes = [
  'https://evil.test/',
  `${appOrigin}.evil.test/`,
  'https://news.example.test@evil.test/',
  'http://accounts.example.test@evil.test/',
  'https://evil.test\\@news.example.test/',
  'https://news.example.test\\.evil.test/',
  '\\\\evil.test/',
  '/\\evil.test/',
  '//evil.test/',
  '/%2F%2Fevil.test/',
  '%2F%2Fevil.test',
  'http:%2F%2Fevil.test',
  'https:evil.test',
  'javascript:alert(document.domain)',
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  'java\tscript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'https://news.example.test.',
  'https://NEWS.EXAMPLE.TEST:443@evil.test/',
  'http://[::ffff:7f00:1]/',
  'https://news.example.test%00.evil.test/',
  'https://news.example.test%E3%80%82evil.test/',
  `${appOrigin}:8080/`,
  'http://news.example.test/',
  'ftp://news.example.test/',
];

describe('open redirects', () => {
  it.each(lookAlikes)('GET /login refuses return_to=%s', async (returnTo) => {
    const res = await supertest(t.app).get('/login').query({ return_to: returnTo }).expect(200);
    const value = /name="return_to" value="([^"]*)"/.exec(res.text)?.[1]?.replaceAll('&amp;', '&');
    const url = new URL(value!);
    expect([serviceOrigin, appOrigin]).toContain(url.origin);
    // What a browser would do with the value must stay on our origins too.
    expect(value!.startsWith(`${serviceOrigin}/`) || value!.startsWith(`${appOrigin}/`)).toBe(true);
  });

  it.each(lookAlikes)('POST /login and /logout never redirect off the registry for %s', async (returnTo) => {
    const csrf = await t.formToken();
    const login = await t.agent.post('/login').type('form').send({ email: user.email, password: user.password, return_to: returnTo, csrf }).expect(303);
    const logout = await t.agent.post('/logout').type('form').send({ return_to: returnTo, csrf }).expect(303);
    for (const location of [login.headers.location as string, logout.headers.location as string]) {
      expect([serviceOrigin, appOrigin]).toContain(new URL(location).origin);
      expect(location.startsWith(`${serviceOrigin}/`) || location.startsWith(`${appOrigin}/`)).toBe(true);
    }
  });
});

describe('open redirects through the OpenID Connect endpoints', () => {
  const pkce = { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };

  it.each(lookAlikes)('/authorize never redirects to redirect_uri=%s', async (redirectUri) => {
    const res = await supertest(t.app)
      .get('/authorize')
      .set('Cookie', cookie)
      .query({ response_type: 'code', client_id: 'news', redirect_uri: redirectUri, state: 's', nonce: 'n', scope: 'openid', ...pkce });
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });

  it.each(lookAlikes)('/end_session never redirects to post_logout_redirect_uri=%s', async (target) => {
    for (const query of [{ client_id: 'news', post_logout_redirect_uri: target }, { post_logout_redirect_uri: target }]) {
      const res = await supertest(t.app).get('/end_session').set('Cookie', cookie).query(query);
      expect(res.status).toBeLessThan(500);
      if (res.headers.location) {
        expect([serviceOrigin, appOrigin]).toContain(new URL(res.headers.location, serviceOrigin).origin);
      }
    }
  });
});
