import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { authorizeQuery, createOidcTestApp, newsOrigin, newsRedirect, pkcePair, postForm, redirectParams, shopRedirect, type OidcTestApp } from './oidc-test-app.js';

let t: OidcTestApp;
beforeEach(async () => {
  t = await createOidcTestApp();
});

describe('GET /.well-known/openid-configuration and /jwks.json', () => {
  it('publishes the endpoints, code flow with S256 PKCE only, public and confidential clients, ES256 and RS256', async () => {
    const res = await supertest(t.app).get('/.well-known/openid-configuration').expect(200);
    expect(res.body).toMatchObject({
      issuer: t.issuer,
      authorization_endpoint: `${t.issuer}/authorize`,
      token_endpoint: `${t.issuer}/token`,
      userinfo_endpoint: `${t.issuer}/userinfo`,
      jwks_uri: `${t.issuer}/jwks.json`,
      revocation_endpoint: `${t.issuer}/revoke`,
      end_session_endpoint: `${t.issuer}/end_session`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      id_token_signing_alg_values_supported: ['ES256', 'RS256'],
    });
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('publishes an EC P-256 and an RSA 2048-bit public key, each with a kid and no private part', async () => {
    const res = await supertest(t.app).get('/jwks.json').expect(200);
    expect(res.body.keys).toHaveLength(2);
    const [ec, rsa] = res.body.keys;
    expect(ec).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) });
    expect(rsa).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB', kid: expect.any(String) });
    expect(Buffer.from(rsa.n, 'base64url').length * 8).toBe(2048);
    expect(rsa.kid).not.toBe(ec.kid);
    for (const key of res.body.keys) for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key[part]).toBeUndefined();
  });
});

describe('GET /authorize: requests that must not redirect', () => {
  it('shows an error page for an unknown client_id', async () => {
    const res = await supertest(t.app).get('/authorize').query(authorizeQuery({ clientId: 'nope' })).expect(400);
    expect(res.headers['location']).toBeUndefined();
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('Unknown application');
  });

  it.each([
    ['another site', 'https://evil.test/callback'],
    ['another path', `${newsOrigin}/other`],
    ['an extra query', `${newsRedirect}?x=1`],
    ['a trailing slash', `${newsRedirect}/`],
    ['another client’s URI', shopRedirect],
  ])('shows an error page for a redirect_uri on %s (exact match only)', async (_label, redirectUri) => {
    const res = await supertest(t.app).get('/authorize').query(authorizeQuery({ redirectUri })).expect(400);
    expect(res.headers['location']).toBeUndefined();
    expect(res.text).toContain('Invalid redirect address');
  });
});

describe('GET /authorize: errors sent back to the client', () => {
  it.each([
    ['no code_challenge', 'invalid_request', { code_challenge: '' }],
    ['code_challenge_method=plain', 'invalid_request', { code_challenge_method: 'plain' }],
    ['a malformed challenge', 'invalid_request', { code_challenge: 'short' }],
    ['response_type=token', 'unsupported_response_type', { response_type: 'token' }],
    ['no openid scope', 'invalid_scope', { scope: 'profile' }],
    ['response_mode=fragment', 'invalid_request', { response_mode: 'fragment' }],
    ['prompt=none login', 'invalid_request', { prompt: 'none login' }],
    ['a request object', 'request_not_supported', { request: 'eyJ.x.y' }],
  ])('%s → error=%s with state and iss', async (_label, error, extra) => {
    const { agent } = await t.signedIn();
    const res = await agent.get('/authorize').query(authorizeQuery({ extra }));
    const params = redirectParams(res, newsRedirect);
    expect(params.get('error')).toBe(error);
    expect(params.get('error_description')).toEqual(expect.any(String));
    expect(params.get('state')).toBe('st-123');
    expect(params.get('iss')).toBe(t.issuer);
    expect(params.get('code')).toBeNull();
  });

  it('prompt=none without a session → error=login_required', async () => {
    const res = await supertest(t.app).get('/authorize').query(authorizeQuery({ extra: { prompt: 'none' } }));
    const params = redirectParams(res, newsRedirect);
    expect(params.get('error')).toBe('login_required');
    expect(params.get('state')).toBe('st-123');
  });

  it('prompt=none with a session older than max_age → error=login_required', async () => {
    const { agent } = await t.signedIn();
    t.now.value += 5 * 60_000;
    const res = await agent.get('/authorize').query(authorizeQuery({ extra: { prompt: 'none', max_age: '60' } }));
    expect(redirectParams(res, newsRedirect).get('error')).toBe('login_required');
  });
});

describe('GET /authorize: signing in', () => {
  it('issues a code for a signed-in user (prompt=none included), with state and iss', async () => {
    const { agent } = await t.signedIn();
    for (const extra of [{}, { prompt: 'none' }] as Array<Record<string, string>>) {
      const params = redirectParams(await agent.get('/authorize').query(authorizeQuery({ extra })), newsRedirect);
      expect(params.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(params.get('state')).toBe('st-123');
      expect(params.get('iss')).toBe(t.issuer);
    }
  });

  it('sends a signed-out user to the login page, which returns to this request', async () => {
    const query = authorizeQuery();
    const res = await supertest(t.app).get('/authorize').query(query).expect(303);
    const login = new URL(res.headers['location'] as string);
    expect(login.origin + login.pathname).toBe(`${t.issuer}/login`);
    const back = new URL(login.searchParams.get('return_to')!);
    expect(back.origin + back.pathname).toBe(`${t.issuer}/authorize`);
    expect(Object.fromEntries(back.searchParams)).toEqual(query);
  });

  it('the whole browser path: /authorize → the login form → back to /authorize → a code', async () => {
    const user = await t.signedIn();
    const browser = supertest.agent(t.app); // a new browser: no session yet
    const start = await browser.get('/authorize').query(authorizeQuery()).expect(303);
    const login = new URL(start.headers['location'] as string);
    const loginPage = await browser.get(login.pathname + login.search).expect(200);
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(loginPage.text)?.[1]?.replaceAll('&amp;', '&');
    const signedIn = await browser
      .post('/login')
      .set('Origin', t.issuer)
      .type('form')
      .send({ email: user.email, password: 'correct horse battery staple', return_to: field('return_to')!, csrf: field('csrf')! })
      .expect(303);
    const back = new URL(signedIn.headers['location'] as string);
    expect(back.origin + back.pathname).toBe(`${t.issuer}/authorize`);
    const done = await browser.get(back.pathname + back.search);
    expect(redirectParams(done, newsRedirect).get('code')).toEqual(expect.any(String));
  });

  it('prompt=login sends even a signed-in user to sign in again, and only a new sign-in gets a code', async () => {
    const { agent, email } = await t.signedIn();
    t.now.value += 1000;
    const res = await agent.get('/authorize').query(authorizeQuery({ extra: { prompt: 'login' } })).expect(303);
    const back = new URL(res.headers['location'] as string).searchParams.get('return_to')!;
    expect(new URL(back).searchParams.get('prompt')).toBeNull();

    // Coming back with the old session (no new sign-in) is refused…
    const stale = await agent.get(back.slice(t.issuer.length));
    expect(redirectParams(stale, newsRedirect).get('error')).toBe('login_required');
    // …and a fresh sign-in gets the code.
    t.now.value += 1000;
    await agent.post('/api/session').send({ email, password: 'correct horse battery staple' }).expect(200);
    const fresh = await agent.get(back.slice(t.issuer.length));
    expect(redirectParams(fresh, newsRedirect).get('code')).toEqual(expect.any(String));
  });

  it('never caches its answers', async () => {
    const { agent } = await t.signedIn();
    const res = await agent.get('/authorize').query(authorizeQuery({ challenge: pkcePair().challenge }));
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('POST /authorize (OpenID Connect Core §3.1.2.1: the same request as a form)', () => {
  it('issues a code for a signed-in user, with state and iss, that redeems like one from GET', async () => {
    const { agent } = await t.signedIn();
    const { verifier, challenge } = pkcePair();
    const res = await agent.post('/authorize').type('form').send(authorizeQuery({ challenge }));
    const params = redirectParams(res, newsRedirect);
    expect(params.get('state')).toBe('st-123');
    expect(params.get('iss')).toBe(t.issuer);
    expect(res.headers['cache-control']).toBe('no-store');
    await postForm(t.app, '/token', { grant_type: 'authorization_code', code: params.get('code')!, redirect_uri: newsRedirect, code_verifier: verifier, client_id: 'news' }).expect(200);
  });

  it('accepts a form posted from another site: the CSRF check is not in its way', async () => {
    const { agent } = await t.signedIn();
    const res = await agent.post('/authorize').set('Origin', 'https://rp.elsewhere.test').set('Sec-Fetch-Site', 'cross-site').type('form').send(authorizeQuery());
    expect(redirectParams(res, newsRedirect).get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it.each([
    ['no code_challenge', 'invalid_request', { code_challenge: '' }],
    ['response_type=token', 'unsupported_response_type', { response_type: 'token' }],
    ['no openid scope', 'invalid_scope', { scope: 'profile' }],
  ])('%s → error=%s sent back with state and iss, as for GET', async (_label, error, extra) => {
    const { agent } = await t.signedIn();
    const params = redirectParams(await agent.post('/authorize').type('form').send(authorizeQuery({ extra })), newsRedirect);
    expect(params.get('error')).toBe(error);
    expect(params.get('state')).toBe('st-123');
    expect(params.get('iss')).toBe(t.issuer);
  });

  it('refuses a repeated parameter in the body → error=invalid_request', async () => {
    const { agent } = await t.signedIn();
    const body = `${new URLSearchParams(authorizeQuery()).toString()}&scope=openid`;
    expect(redirectParams(await agent.post('/authorize').type('form').send(body), newsRedirect).get('error')).toBe('invalid_request');
  });

  it('shows an error page, never a redirect, for an unknown client, a foreign redirect_uri or a body that is not a form', async () => {
    const unknown = await supertest(t.app).post('/authorize').type('form').send(authorizeQuery({ clientId: 'nope' })).expect(400);
    expect(unknown.text).toContain('Unknown application');
    const foreign = await supertest(t.app).post('/authorize').type('form').send(authorizeQuery({ redirectUri: 'https://evil.test/callback' })).expect(400);
    expect(foreign.text).toContain('Invalid redirect address');
    const json = await supertest(t.app).post('/authorize').send(authorizeQuery()).expect(400);
    expect(json.headers['location']).toBeUndefined();
    expect(json.headers['content-type']).toMatch(/text\/html/);
  });

  it('without the session cookie (withheld on a cross-site POST, as SameSite=Lax does) continues as the same request by GET', async () => {
    const { agent } = await t.signedIn();
    const query = authorizeQuery({ extra: { prompt: 'none' } });
    // The browser's POST from another site carries no cookie: answering login_required here would be wrong.
    const post = await supertest(t.app).post('/authorize').set('Origin', 'https://rp.elsewhere.test').type('form').send(query).expect(303);
    const relay = new URL(post.headers['location'] as string);
    expect(relay.origin + relay.pathname).toBe(`${t.issuer}/authorize`);
    expect(Object.fromEntries(relay.searchParams)).toEqual(query);
    // The GET that follows is a top-level navigation, which does carry the cookie.
    const get = await agent.get(relay.pathname + relay.search);
    expect(redirectParams(get, newsRedirect).get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
