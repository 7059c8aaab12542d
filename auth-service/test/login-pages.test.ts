import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { appOrigin, createTestApp, foreignOrigin, serviceOrigin, type TestApp } from './test-app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

function hiddenReturnTo(html: string): string | undefined {
  return /name="return_to" value="([^"]*)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
}

/** Fills in the login form as a browser would: GET /login for its CSRF token, then POST the fields with it. */
async function submitLoginForm(fields: { email: string; password: string; return_to: string }) {
  const csrf = await t.formToken();
  return t.agent.post('/login').type('form').send({ ...fields, csrf });
}

describe('GET /login', () => {
  it('shows a form that carries a registered return_to', async () => {
    const res = await supertest(t.app).get('/login').query({ return_to: `${appOrigin}/story?id=1` }).expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('<form method="post" action="/login"');
    expect(hiddenReturnTo(res.text)).toBe(`${appOrigin}/story?id=1`);
  });

  it.each([
    ['a foreign site', 'https://evil.test/'],
    ['a look-alike host', `${appOrigin}.evil.test/`],
    ['userinfo trick', `${appOrigin}@evil.test/`],
    ['userinfo on a registered host', 'https://evil.test@news.example.test/'],
    ['backslashes', '\\\\evil.test/'],
    ['protocol-relative', '//evil.test/'],
    ['javascript:', 'javascript:alert(1)'],
    ['a data: URL', 'data:text/html,hi'],
    ['another port', `${appOrigin}:444/`],
    ['a relative path', '/account'],
  ])('replaces %s with the account page (no open redirect)', async (_label, returnTo) => {
    const res = await supertest(t.app).get('/login').query({ return_to: returnTo }).expect(200);
    expect(hiddenReturnTo(res.text)).toBe(`${serviceOrigin}/account`);
  });

  it('escapes whatever it echoes', async () => {
    const user = await t.createUser();
    const res = await submitLoginForm({ email: `"><script>alert(1)</script>${user.email}`, password: 'nope', return_to: appOrigin });
    expect(res.status).toBe(401);
    expect(res.text).not.toContain('<script>alert(1)');
    expect(res.text).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('runs under a strict Content-Security-Policy', async () => {
    const res = await supertest(t.app).get('/login').expect(200);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    // No inline script or style: the one script is a file of our own, empty tag.
    expect(res.text).not.toMatch(/style=|<script(?! src="\/assets\/[\w-]+\.js" defer><\/script>)/);
    expect(res.text).toContain('<script src="/assets/time-zone.js" defer></script>');
    // Under no-referrer browsers send `Origin: null` on our own form posts, which the CSRF check refuses.
    expect(res.headers['referrer-policy']).toBe('same-origin');
  });
});

describe('security headers', () => {
  it('are helmet’s, on every answer, with form-action following the registry', async () => {
    const res = await supertest(t.app).get('/api/me').expect(200);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringContaining('max-age='),
      'cross-origin-opener-policy': 'same-origin',
      'referrer-policy': 'same-origin',
    });
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['content-security-policy']).toContain(`form-action 'self' ${appOrigin}`);

    await t.store.apps.upsert({ id: 'mail', name: 'Mail', url: 'https://mail.example.test/', icon: null, origins: ['https://mail.example.test'], redirectUris: [], position: 1, confidential: false, idTokenSignedResponseAlg: 'ES256', hidden: false, jwks: null, backchannelLogoutUri: null, backchannelLogoutSessionRequired: true });
    expect((await supertest(t.app).get('/login')).headers['content-security-policy']).not.toContain('https://mail.example.test');
    await t.registry.reload();
    expect((await supertest(t.app).get('/login')).headers['content-security-policy']).toContain(`form-action 'self' ${appOrigin} https://mail.example.test`);
  });
});

describe('POST /login', () => {
  it('signs in and redirects 303 to return_to', async () => {
    const user = await t.createUser();
    const res = await submitLoginForm({ email: user.email, password: user.password, return_to: `${appOrigin}/x` });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${appOrigin}/x`);
    expect((await t.agent.get('/api/me')).body.user.email).toBe(user.email);
  });

  it('re-shows the form with an error and no cookie for a wrong password', async () => {
    const user = await t.createUser();
    const res = await submitLoginForm({ email: user.email, password: 'wrong password', return_to: `${appOrigin}/x` });
    expect(res.status).toBe(401);
    expect(res.text).toContain('Wrong email or password.');
    expect(hiddenReturnTo(res.text)).toBe(`${appOrigin}/x`);
    expect(String(res.headers['set-cookie'] ?? '')).not.toContain('userbox_session=');
  });

  it('never redirects off the registry after a successful sign-in', async () => {
    const user = await t.createUser();
    const res = await submitLoginForm({ email: user.email, password: user.password, return_to: 'https://news.example.test@evil.test/' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${serviceOrigin}/account`);
  });

  it('refuses a form without a valid CSRF token (403 INVALID_FORM_TOKEN), even from the service itself', async () => {
    const user = await t.createUser();
    await t.formToken();
    for (const csrf of [undefined, '', 'forged-token-forged-token-forged-token-abc']) {
      const res = await t.agent
        .post('/login')
        .set('Accept', 'application/json')
        .type('form')
        .send({ email: user.email, password: user.password, ...(csrf === undefined ? {} : { csrf }) })
        .expect(403);
      expect(res.body.error.code).toBe('INVALID_FORM_TOKEN');
    }
    // A token is bound to its browser's cookie: another browser's token does not work here.
    const other = await createTestApp();
    const foreignToken = await other.formToken();
    await t.agent.post('/login').type('form').send({ email: user.email, password: user.password, csrf: foreignToken }).expect(403);
    expect((await t.agent.get('/api/me')).body).toEqual({ user: null });
  });

  it('shows browsers an HTML error page, not JSON', async () => {
    const res = await t.agent.post('/login').set('Accept', 'text/html').type('form').send({ email: 'a@b.c', password: 'x' }).expect(403);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('This form has expired.');
  });

  it('refuses a form posted from a foreign site', async () => {
    const user = await t.createUser();
    const res = await supertest(t.app)
      .post('/login')
      .set('Origin', foreignOrigin)
      .type('form')
      .send({ email: user.email, password: user.password })
      .expect(403);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('GET /account', () => {
  it('sends a signed-out visitor to the login page', async () => {
    const res = await supertest(t.app).get('/account').expect(303);
    expect(res.headers.location).toBe(`/login?return_to=${encodeURIComponent(`${serviceOrigin}/account`)}`);
  });

  it('shows the signed-in user, escaped', async () => {
    const user = await t.createUser({ name: '<img src=x onerror=alert(1)>' });
    await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const res = await t.agent.get('/account').expect(200);
    expect(res.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(res.text).not.toContain('<img src=x');
  });
});
