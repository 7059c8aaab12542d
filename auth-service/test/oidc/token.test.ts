import { decodeJwt, decodeProtectedHeader } from 'jose';
import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  authorize,
  createOidcTestApp,
  newsOrigin,
  newsRedirect,
  pkcePair,
  postForm,
  shopOrigin,
  shopRedirect,
  signInWithCode,
  type OidcTestApp,
  type TokenResponse,
} from './oidc-test-app.js';

let t: OidcTestApp;
beforeEach(async () => {
  t = await createOidcTestApp();
});

async function codeFor(clientId = 'news', redirectUri = newsRedirect) {
  const user = await t.signedIn();
  const { verifier, challenge } = pkcePair();
  const code = await authorize(user.agent, { clientId, redirectUri, challenge });
  return { ...user, code, verifier };
}

const exchange = (code: string, verifier: string, overrides: Record<string, string> = {}, origin?: string) =>
  postForm(t.app, '/token', { grant_type: 'authorization_code', code, redirect_uri: newsRedirect, code_verifier: verifier, client_id: 'news', ...overrides }, origin);

const refresh = (refreshToken: string, clientId = 'news') =>
  postForm(t.app, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });

function expectOAuthError(res: supertest.Response, status: number, error: string): void {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ error, error_description: expect.any(String) });
  expect(res.headers['cache-control']).toBe('no-store');
}

describe('POST /token with authorization_code', () => {
  it('answers tokens: JWTs signed ES256 with our kid, ID token with nonce and sid, access token typed at+jwt', async () => {
    const { code, verifier, userId } = await codeFor();
    const res = await exchange(code, verifier).expect(200);
    const body = res.body as TokenResponse;
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['pragma']).toBe('no-cache');
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'openid profile email' });
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const jwks = (await supertest(t.app).get('/jwks.json')).body as { keys: Array<{ kid: string }> };
    const idHeader = decodeProtectedHeader(body.id_token);
    expect(idHeader).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: jwks.keys[0]!.kid });
    const id = decodeJwt(body.id_token);
    expect(id).toMatchObject({ iss: t.issuer, sub: userId, aud: 'news', nonce: 'n-456', name: 'Ada Lovelace', sid: expect.any(String) });
    expect(id.exp! - id.iat!).toBe(600);

    expect(decodeProtectedHeader(body.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    const at = decodeJwt(body.access_token);
    expect(at).toMatchObject({ iss: t.issuer, sub: userId, aud: 'news', client_id: 'news', sid: id['sid'], scope: 'openid profile email' });
    expect(at.exp! - at.iat!).toBeLessThanOrEqual(600);
  });

  it('refuses a wrong PKCE verifier → invalid_grant', async () => {
    const { code } = await codeFor();
    expectOAuthError(await exchange(code, pkcePair().verifier), 400, 'invalid_grant');
  });

  it('refuses a missing verifier → invalid_request', async () => {
    const { code } = await codeFor();
    const res = await postForm(t.app, '/token', { grant_type: 'authorization_code', code, redirect_uri: newsRedirect, client_id: 'news' });
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('refuses a reused code → invalid_grant, and revokes the refresh token the code gave', async () => {
    const { code, verifier } = await codeFor();
    const first = (await exchange(code, verifier).expect(200)).body as TokenResponse;
    expectOAuthError(await exchange(code, verifier), 400, 'invalid_grant');
    expectOAuthError(await refresh(first.refresh_token), 400, 'invalid_grant');
  });

  it('refuses a redirect_uri other than the authorization request’s → invalid_grant', async () => {
    const { code, verifier } = await codeFor();
    expectOAuthError(await exchange(code, verifier, { redirect_uri: `${newsOrigin}/other` }), 400, 'invalid_grant');
  });

  it('refuses a code older than 60 s → invalid_grant', async () => {
    const { code, verifier } = await codeFor();
    t.now.value += 60_001;
    expectOAuthError(await exchange(code, verifier), 400, 'invalid_grant');
  });

  it('accepts a code 59 s old', async () => {
    const { code, verifier } = await codeFor();
    t.now.value += 59_000;
    await exchange(code, verifier).expect(200);
  });

  it('refuses a code issued to another client → invalid_grant', async () => {
    const { code, verifier } = await codeFor('shop', shopRedirect);
    expectOAuthError(await exchange(code, verifier, { redirect_uri: shopRedirect }), 400, 'invalid_grant');
  });

  it('refuses once the account session has ended → invalid_grant', async () => {
    const { code, verifier, agent } = await codeFor();
    await agent.delete('/api/session').expect(204);
    expectOAuthError(await exchange(code, verifier), 400, 'invalid_grant');
  });

  it('refuses unknown clients, client secrets and foreign browser origins → invalid_client (401)', async () => {
    const { code, verifier } = await codeFor();
    expectOAuthError(await exchange(code, verifier, { client_id: 'nope' }), 401, 'invalid_client');
    expectOAuthError(await exchange(code, verifier, { client_secret: 's' }), 401, 'invalid_client');
    const basic = await exchange(code, verifier).set('Authorization', `Basic ${Buffer.from('news:s').toString('base64')}`);
    expectOAuthError(basic, 401, 'invalid_client');
    expect(basic.headers['www-authenticate']).toMatch(/^Basic/);
    expectOAuthError(await exchange(code, verifier, {}, shopOrigin), 401, 'invalid_client');
    expectOAuthError(await exchange(code, verifier, {}, 'https://evil.test'), 401, 'invalid_client');
  });

  it('refuses other grant types, JSON bodies and repeated parameters with the RFC codes', async () => {
    expectOAuthError(await postForm(t.app, '/token', { grant_type: 'password', client_id: 'news' }), 400, 'unsupported_grant_type');
    expectOAuthError(await supertest(t.app).post('/token').send({ grant_type: 'refresh_token', client_id: 'news' }), 400, 'invalid_request');
    const repeated = await supertest(t.app).post('/token').type('form').send('grant_type=refresh_token&client_id=news&client_id=shop');
    expectOAuthError(repeated, 400, 'invalid_request');
  });
});

describe('POST /token with userbox_view=1 (the box in token mode)', () => {
  it('answers the view /api/me gives for the new access token, on the code and on every refresh; without the flag, none', async () => {
    const { code, verifier } = await codeFor();
    const first = (await exchange(code, verifier, { userbox_view: '1' }).expect(200)).body as TokenResponse & { userbox_view?: unknown };
    const me = await supertest(t.app).get('/api/me').set('Authorization', `Bearer ${first.access_token}`).expect(200);
    expect(first.userbox_view).toEqual(me.body);
    expect(first.userbox_view).toMatchObject({ user: { name: 'Ada Lovelace' }, accounts: [expect.objectContaining({ current: true })] });

    const renewed = (await postForm(t.app, '/token', { grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: 'news', userbox_view: '1' }).expect(200))
      .body as TokenResponse & { userbox_view?: unknown };
    expect(renewed.userbox_view).toEqual(me.body);
    const plain = (await refresh(renewed.refresh_token).expect(200)).body as Record<string, unknown>;
    expect(plain).not.toHaveProperty('userbox_view');
  });

  it('withholds it from a grant narrowed to scopes that do not see the name and email', async () => {
    const { tokens } = await signInWithCode(t);
    const narrow = await postForm(t.app, '/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: 'news', scope: 'openid', userbox_view: '1' }).expect(200);
    expect(narrow.body).not.toHaveProperty('userbox_view');
  });
});

describe('POST /token from the browser (CORS)', () => {
  it('lets the client’s own origin read the answer, without credentials', async () => {
    const user = await t.signedIn();
    const { verifier, challenge } = pkcePair();
    const code = await authorize(user.agent, { clientId: 'shop', redirectUri: shopRedirect, challenge });
    const res = await exchange(code, verifier, { client_id: 'shop', redirect_uri: shopRedirect }, shopOrigin).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(shopOrigin);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['vary']).toMatch(/Origin/);
  });

  it('answers a preflight for registered origins only', async () => {
    const ok = await supertest(t.app).options('/token').set('Origin', shopOrigin).set('Access-Control-Request-Method', 'POST').expect(204);
    expect(ok.headers['access-control-allow-origin']).toBe(shopOrigin);
    expect(ok.headers['access-control-allow-methods']).toContain('POST');
    const foreign = await supertest(t.app).options('/token').set('Origin', 'https://evil.test').set('Access-Control-Request-Method', 'POST').expect(204);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('POST /token with refresh_token', () => {
  it('rotates the refresh token on every use and keeps the session binding', async () => {
    const { tokens } = await signInWithCode(t);
    const second = (await refresh(tokens.refresh_token).expect(200)).body as TokenResponse;
    expect(second.refresh_token).not.toBe(tokens.refresh_token);
    expect(decodeJwt(second.access_token)['sid']).toBe(decodeJwt(tokens.access_token)['sid']);
    expect(decodeJwt(second.id_token)['nonce']).toBeUndefined();
    const third = (await refresh(second.refresh_token).expect(200)).body as TokenResponse;
    expect(third.refresh_token).not.toBe(second.refresh_token);
  });

  it('a reused refresh token after the grace window → invalid_grant, and the whole family is revoked', async () => {
    const { tokens } = await signInWithCode(t);
    const second = (await refresh(tokens.refresh_token).expect(200)).body as TokenResponse;
    t.now.value += 10_001;
    expectOAuthError(await refresh(tokens.refresh_token), 400, 'invalid_grant');
    expectOAuthError(await refresh(second.refresh_token), 400, 'invalid_grant');
  });

  it('two tabs refreshing with the same token within the grace window both succeed and stay signed in', async () => {
    const { tokens } = await signInWithCode(t);
    const a = await refresh(tokens.refresh_token).expect(200);
    t.now.value += 9_000; // the other tab, 9 s later, still with the old token (grace window: 10 s)
    const b = await refresh(tokens.refresh_token).expect(200);
    t.now.value += 5_000;
    await refresh((a.body as TokenResponse).refresh_token).expect(200);
    await refresh((b.body as TokenResponse).refresh_token).expect(200);
  });

  it('a replay within the grace window answers the successor already issued, and starts no second chain', async () => {
    const { tokens } = await signInWithCode(t);
    const next = (await refresh(tokens.refresh_token).expect(200)).body as TokenResponse;
    t.now.value += 9_000;
    const replay = (await refresh(tokens.refresh_token).expect(200)).body as TokenResponse;
    expect(replay.refresh_token).toBe(next.refresh_token);
    // The first token and its one successor: nothing else was minted.
    expect(await t.store.db.selectFrom('refresh_tokens').select('token_hash').execute()).toHaveLength(2);
    await refresh(next.refresh_token).expect(200);
  });

  it('two refreshes with the same token at once both get the same successor', async () => {
    const { tokens } = await signInWithCode(t);
    const [a, b] = await Promise.all([refresh(tokens.refresh_token), refresh(tokens.refresh_token)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((a.body as TokenResponse).refresh_token).toBe((b.body as TokenResponse).refresh_token);
  });

  it('once the successor has been used, a replay of the old token is reuse, inside the window too: the family is revoked', async () => {
    const { tokens } = await signInWithCode(t);
    const second = (await refresh(tokens.refresh_token).expect(200)).body as TokenResponse;
    t.now.value += 1_000;
    const third = (await refresh(second.refresh_token).expect(200)).body as TokenResponse;
    t.now.value += 1_000; // 2 s after the first use: inside the 10 s window
    expectOAuthError(await refresh(tokens.refresh_token), 400, 'invalid_grant');
    expectOAuthError(await refresh(third.refresh_token), 400, 'invalid_grant');
  });

  it('a thief who replays a rotated token inside the window joins the same chain, so the next reuse revokes him too', async () => {
    const { tokens } = await signInWithCode(t);
    const client = (await refresh(tokens.refresh_token).expect(200)).body as TokenResponse;
    t.now.value += 5_000;
    const thief = (await refresh(tokens.refresh_token).expect(200)).body as TokenResponse;
    t.now.value += 1_000;
    const thiefNext = (await refresh(thief.refresh_token).expect(200)).body as TokenResponse;
    // Minutes later the client renews with the token it holds: already used, outside its window → reuse.
    t.now.value += 5 * 60_000;
    expectOAuthError(await refresh(client.refresh_token), 400, 'invalid_grant');
    expectOAuthError(await refresh(thiefNext.refresh_token), 400, 'invalid_grant');
  });

  it('fails at once after sign-out at the service, and after “sign out everywhere”', async () => {
    const one = await signInWithCode(t);
    await one.agent.delete('/api/session').expect(204);
    expectOAuthError(await refresh(one.tokens.refresh_token), 400, 'invalid_grant');

    const two = await signInWithCode(t);
    await two.agent.delete('/api/sessions').expect(204);
    expectOAuthError(await refresh(two.tokens.refresh_token), 400, 'invalid_grant');
  });

  it('fails once the session has idled out', async () => {
    const { tokens } = await signInWithCode(t);
    t.now.value += 61 * 60_000; // the test app's idle limit is 60 minutes
    expectOAuthError(await refresh(tokens.refresh_token), 400, 'invalid_grant');
  });

  it('refuses another client’s refresh token, an unknown one, and a wider scope', async () => {
    const { tokens } = await signInWithCode(t);
    expectOAuthError(await refresh(tokens.refresh_token, 'shop'), 400, 'invalid_grant');
    expectOAuthError(await refresh('x'.repeat(43)), 400, 'invalid_grant');
    const wider = await postForm(t.app, '/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: 'news', scope: 'openid offline_access' });
    expectOAuthError(wider, 400, 'invalid_scope');
  });
});

describe('POST /revoke', () => {
  it('revokes a refresh token’s family; unknown tokens get 200 too', async () => {
    const { tokens } = await signInWithCode(t);
    await postForm(t.app, '/revoke', { token: tokens.refresh_token, token_type_hint: 'refresh_token', client_id: 'news' }).expect(200);
    expectOAuthError(await refresh(tokens.refresh_token), 400, 'invalid_grant');
    await postForm(t.app, '/revoke', { token: 'unknown', client_id: 'news' }).expect(200);
  });

  it('refuses another client’s token → invalid_request, and keeps it', async () => {
    const { tokens } = await signInWithCode(t);
    expectOAuthError(await postForm(t.app, '/revoke', { token: tokens.refresh_token, client_id: 'shop' }), 400, 'invalid_request');
    await refresh(tokens.refresh_token).expect(200);
  });

  it('refuses an unknown client → invalid_client', async () => {
    expectOAuthError(await postForm(t.app, '/revoke', { token: 'x', client_id: 'nope' }), 401, 'invalid_client');
  });
});

describe('storage', () => {
  it('stores codes and refresh tokens only as hashes', async () => {
    const user = await t.signedIn();
    const { verifier, challenge } = pkcePair();
    const code = await authorize(user.agent, { challenge });
    const { refresh_token } = (await exchange(code, verifier).expect(200)).body as TokenResponse;
    const dump = JSON.stringify([
      await t.store.db.selectFrom('authorization_codes').selectAll().execute(),
      await t.store.db.selectFrom('refresh_tokens').selectAll().execute(),
    ]);
    expect(dump).not.toContain(code);
    expect(dump).not.toContain(refresh_token);
  });
});
