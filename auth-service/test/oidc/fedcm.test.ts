import supertest from 'supertest';
import { decodeJwt } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { createOidcTestApp, pkcePair, shopOrigin, newsOrigin, type OidcTestApp } from './oidc-test-app.js';

// FedCM needs https (and SameSite=None needs Secure): the service runs on an https issuer here.
const issuer = 'https://accounts.example.test';
const webidentity = { 'Sec-Fetch-Dest': 'webidentity' };

const setCookies = (res: supertest.Response): string[] => (res.headers['set-cookie'] as string[] | undefined) ?? [];
const cookieLine = (res: supertest.Response, name: string) => setCookies(res).find((c) => c.startsWith(`${name}=`));
const cookieValue = (res: supertest.Response, name: string) => cookieLine(res, name)?.split(';')[0]?.slice(name.length + 1) ?? '';

let t: OidcTestApp;

beforeEach(async () => {
  t = await createOidcTestApp({
    issuer,
    apps: [
      {
        id: 'shop-legal',
        name: 'Shop with policies',
        url: 'https://legal.other.test/',
        icon: null,
        origins: ['https://legal.other.test'],
        redirectUris: [],
        privacyPolicyUrl: 'https://legal.other.test/privacy',
        termsOfServiceUrl: 'https://legal.other.test/terms',
      },
    ],
  });
});

/** A browser signed in to a new user: the value of its FedCM cookie and the user. */
async function signIn(fedcmCookie?: string) {
  const user = await t.createUser();
  const res = await supertest(t.app)
    .post('/api/session')
    .set('Origin', issuer)
    .set('Cookie', fedcmCookie ? `__Host-userbox_session=${fedcmCookie}` : '')
    .send({ email: user.email, password: user.password, add: fedcmCookie !== undefined })
    .expect(200);
  return { user, res, fedcm: cookieValue(res, '__Host-userbox_fedcm') };
}

function assertion(fedcm: string, fields: Record<string, string>, origin = shopOrigin) {
  return supertest(t.app)
    .post('/fedcm/assertion')
    .set(webidentity)
    .set('Origin', origin)
    .set('Cookie', `__Host-userbox_fedcm=${fedcm}`)
    .type('form')
    .send({ client_id: 'shop', disclosure_text_shown: 'false', is_auto_selected: 'false', ...fields });
}

describe('the service as a FedCM identity provider', () => {
  it('names its config file, accounts endpoint and login page in /.well-known/web-identity, and every endpoint in the config', async () => {
    const wellKnown = await supertest(t.app).get('/.well-known/web-identity').expect(200).expect('Content-Type', /json/);
    expect(wellKnown.body).toEqual({
      provider_urls: [`${issuer}/fedcm/config.json`],
      accounts_endpoint: `${issuer}/fedcm/accounts`,
      login_url: `${issuer}/login`,
    });
    const config = await supertest(t.app).get('/fedcm/config.json').expect(200).expect('Content-Type', /json/);
    expect(config.body).toMatchObject({
      accounts_endpoint: `${issuer}/fedcm/accounts`,
      client_metadata_endpoint: `${issuer}/fedcm/client_metadata`,
      id_assertion_endpoint: `${issuer}/fedcm/assertion`,
      disconnect_endpoint: `${issuer}/fedcm/disconnect`,
      login_url: `${issuer}/login`,
      branding: { background_color: expect.stringMatching(/^#/), color: expect.stringMatching(/^#/), icons: [{ url: `${issuer}/assets/icons/app.svg` }] },
    });
    // The browser fetches them for a page of another site: the service's default CORP (same-origin) would block them.
    expect(wellKnown.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(config.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect((await supertest(t.app).get('/fedcm/accounts').set(webidentity)).headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect((await supertest(t.app).get('/login')).headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it('sets a SameSite=None twin of the session cookie and Set-Login: logged-in on sign-in, and clears both with logged-out when the last account signs out', async () => {
    const { res, fedcm } = await signIn();
    expect(res.headers['set-login']).toBe('logged-in');
    expect(cookieLine(res, '__Host-userbox_fedcm')).toMatch(/; Path=\/; .*HttpOnly; Secure; SameSite=None/);
    expect(fedcm).toBe(cookieValue(res, '__Host-userbox_session'));
    const second = await signIn(fedcm);
    expect(second.res.headers['set-login']).toBe('logged-in');

    // One of two accounts signed out: the browser is still signed in.
    const handle = (second.res.body as { session: { id: string } }).session.id;
    const one = await supertest(t.app).delete(`/api/session?account=${handle}`).set('Origin', issuer).set('Cookie', `__Host-userbox_session=${second.fedcm}`).expect(204);
    expect(one.headers['set-login']).toBe('logged-in');
    const left = cookieValue(one, '__Host-userbox_session');
    expect(cookieValue(one, '__Host-userbox_fedcm')).toBe(left);

    const last = await supertest(t.app).delete('/api/session').set('Origin', issuer).set('Cookie', `__Host-userbox_session=${left}`).expect(204);
    expect(last.headers['set-login']).toBe('logged-out');
    expect(cookieLine(last, '__Host-userbox_fedcm')).toMatch(/^__Host-userbox_fedcm=; .*Expires=Thu, 01 Jan 1970/);
  });

  it('sets Set-Login on the sign-in form and on its sign-out form too', async () => {
    // On http, whose cookie jar supertest keeps (there is no FedCM cookie there; the header is the same).
    const plain = await createOidcTestApp();
    const user = await plain.createUser();
    const csrf = await plain.formToken();
    const login = await plain.agent.post('/login').type('form').send({ email: user.email, password: user.password, csrf, return_to: `${plain.publicUrl}/account` }).expect(303);
    expect(login.headers['set-login']).toBe('logged-in');
    expect(cookieLine(login, '__Host-userbox_fedcm')).toBeUndefined();
    const logout = await plain.agent.post('/logout').type('form').send({ csrf }).expect(303);
    expect(logout.headers['set-login']).toBe('logged-out');
  });

  it('gives a session from before FedCM its twin cookie and login status on its next visit to /authorize', async () => {
    const { res } = await signIn();
    const session = cookieValue(res, '__Host-userbox_session');
    const { challenge } = pkcePair();
    const query = { response_type: 'code', client_id: 'shop', redirect_uri: 'https://shop.other.test/userbox/callback', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', prompt: 'none' };
    const visit = await supertest(t.app).get('/authorize').query(query).set('Cookie', `__Host-userbox_session=${session}`).expect(303);
    expect(new URL(visit.headers['location'] as string).searchParams.has('code')).toBe(true);
    expect(cookieValue(visit, '__Host-userbox_fedcm')).toBe(session);
    expect(visit.headers['set-login']).toBe('logged-in');
    // With the twin, nothing is written again.
    const again = await supertest(t.app).get('/authorize').query(query).set('Cookie', `__Host-userbox_session=${session}; __Host-userbox_fedcm=${session}`).expect(303);
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('lists every account of the browser with the clients each approved, only for the browser itself and only from the FedCM cookie', async () => {
    const first = await signIn();
    const second = await signIn(first.fedcm);
    // The first user approved shop: a grant (a refresh token) exists.
    const { verifier, challenge } = pkcePair();
    const code = (await assertion(second.fedcm, { account_id: first.user.id, params: JSON.stringify({ code_challenge: challenge }) }).expect(200)).body.token as string;
    await supertest(t.app).post('/token').type('form').send({ grant_type: 'authorization_code', code, redirect_uri: shopOrigin, code_verifier: verifier, client_id: 'shop' }).expect(200);

    const res = await supertest(t.app).get('/fedcm/accounts').set(webidentity).set('Cookie', `__Host-userbox_fedcm=${second.fedcm}`).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      accounts: [
        { id: first.user.id, name: first.user.name, email: first.user.email, approved_clients: ['shop'], login_hints: [first.user.id, first.user.email] },
        { id: second.user.id, name: second.user.name, email: second.user.email, approved_clients: [], login_hints: [second.user.id, second.user.email] },
      ],
    });

    // A page's fetch cannot send Sec-Fetch-Dest: webidentity.
    await supertest(t.app).get('/fedcm/accounts').set('Sec-Fetch-Dest', 'empty').set('Cookie', `__Host-userbox_fedcm=${second.fedcm}`).expect(400);
    // The SameSite=Lax session cookie is not what this endpoint reads.
    await supertest(t.app).get('/fedcm/accounts').set(webidentity).set('Cookie', `__Host-userbox_session=${second.fedcm}`).expect(401);
    await supertest(t.app).get('/fedcm/accounts').set(webidentity).expect(401);
  });

  it('serves the app’s privacy policy and terms from the registry as client metadata', async () => {
    const res = await supertest(t.app).get('/fedcm/client_metadata?client_id=shop-legal').expect(200);
    expect(res.body).toEqual({ privacy_policy_url: 'https://legal.other.test/privacy', terms_of_service_url: 'https://legal.other.test/terms' });
    expect((await supertest(t.app).get('/fedcm/client_metadata?client_id=shop').expect(200)).body).toEqual({});
    await supertest(t.app).get('/fedcm/client_metadata?client_id=nope').expect(404);
  });

  it('answers a registered app’s own origin with a code that /token trades, with PKCE, for tokens carrying the nonce', async () => {
    const { user, fedcm } = await signIn();
    const { verifier, challenge } = pkcePair();
    const res = await assertion(fedcm, { account_id: user.id, params: JSON.stringify({ nonce: 'n-fedcm-1', code_challenge: challenge }) }).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(shopOrigin);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['cache-control']).toBe('no-store');
    const code = (res.body as { token: string }).token;
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Without the verifier, or for another redirect_uri, the code is worthless.
    await supertest(t.app).post('/token').type('form').send({ grant_type: 'authorization_code', code, redirect_uri: shopOrigin, code_verifier: pkcePair().verifier, client_id: 'shop' }).expect(400);
    const again = await assertion(fedcm, { account_id: user.id, params: JSON.stringify({ nonce: 'n-fedcm-2', code_challenge: challenge }) }).expect(200);
    const tokens = await supertest(t.app)
      .post('/token')
      .set('Origin', shopOrigin)
      .type('form')
      .send({ grant_type: 'authorization_code', code: again.body.token, redirect_uri: shopOrigin, code_verifier: verifier, client_id: 'shop' })
      .expect(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', refresh_token: expect.any(String) });
    expect(decodeJwt(tokens.body.id_token as string)).toMatchObject({ sub: user.id, aud: 'shop', nonce: 'n-fedcm-2' });
    const me = await supertest(t.app).get('/api/me').set('Authorization', `Bearer ${tokens.body.access_token}`).expect(200);
    expect(me.body.user.id).toBe(user.id);
  });

  it('disconnects: the account’s grants to that app end, for the app’s own origin and the browser only', async () => {
    const { user, fedcm } = await signIn();
    const { verifier, challenge } = pkcePair();
    const code = (await assertion(fedcm, { account_id: user.id, params: JSON.stringify({ code_challenge: challenge }) }).expect(200)).body.token as string;
    const tokens = await supertest(t.app).post('/token').type('form').send({ grant_type: 'authorization_code', code, redirect_uri: shopOrigin, code_verifier: verifier, client_id: 'shop' }).expect(200);
    const disconnect = (fields: Record<string, string>, origin = shopOrigin) =>
      supertest(t.app).post('/fedcm/disconnect').set(webidentity).set('Origin', origin).set('Cookie', `__Host-userbox_fedcm=${fedcm}`).type('form').send({ client_id: 'shop', ...fields });

    await disconnect({ account_hint: user.email }, newsOrigin).expect(403);
    await disconnect({ account_hint: 'someone@else.test' }).expect(403);
    const res = await disconnect({ account_hint: user.email }).expect(200);
    expect(res.body).toEqual({ account_id: user.id });
    expect(res.headers['access-control-allow-origin']).toBe(shopOrigin);
    await supertest(t.app).post('/token').type('form').send({ grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_id: 'shop' }).expect(400);
    const list = await supertest(t.app).get('/fedcm/accounts').set(webidentity).set('Cookie', `__Host-userbox_fedcm=${fedcm}`).expect(200);
    expect(list.body.accounts[0].approved_clients).toEqual([]);
  });

  it('refuses an unregistered app, another origin, a request without Sec-Fetch-Dest, an account not signed in here, and no PKCE challenge', async () => {
    const { user, fedcm } = await signIn();
    const stranger = await t.createUser();
    const params = JSON.stringify({ nonce: 'n', code_challenge: pkcePair().challenge });

    const unregistered = await assertion(fedcm, { client_id: 'nope', account_id: user.id, params }).expect(403);
    expect(unregistered.body).toEqual({ error: { code: 'unauthorized_client' } });
    expect(unregistered.headers['access-control-allow-origin']).toBeUndefined();

    // News is registered, but the request names the shop's client.
    const foreign = await assertion(fedcm, { account_id: user.id, params }, newsOrigin).expect(403);
    expect(foreign.body).toEqual({ error: { code: 'unauthorized_client' } });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    await assertion(fedcm, { account_id: user.id, params }, 'https://evil.test').expect(403);

    const fromPage = await supertest(t.app)
      .post('/fedcm/assertion')
      .set('Sec-Fetch-Dest', 'empty')
      .set('Origin', shopOrigin)
      .set('Cookie', `__Host-userbox_fedcm=${fedcm}`)
      .type('form')
      .send({ client_id: 'shop', account_id: user.id, params })
      .expect(400);
    expect(fromPage.body).toEqual({ error: { code: 'invalid_request' } });

    const notHere = await assertion(fedcm, { account_id: stranger.id, params }).expect(403);
    expect(notHere.body).toEqual({ error: { code: 'access_denied', url: `${issuer}/login` } });
    // The browser may read why: the app's origin gets CORS on a refusal that is not about the app.
    expect(notHere.headers['access-control-allow-origin']).toBe(shopOrigin);

    await assertion('', { account_id: user.id, params }).expect(403);
    const noPkce = await assertion(fedcm, { account_id: user.id, params: JSON.stringify({ nonce: 'n' }) }).expect(400);
    expect(noPkce.body).toEqual({ error: { code: 'invalid_request' } });
  });
});
