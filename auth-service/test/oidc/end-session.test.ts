import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSigningKeys, retiredKeyRetentionMs } from '../../src/services/signing-keys.js';
import { createOidcTestApp, newsOrigin, newsRedirect, shopRedirect, signInWithCode, type OidcTestApp } from './oidc-test-app.js';

let t: OidcTestApp;
beforeEach(async () => {
  t = await createOidcTestApp();
});

/** The service's own signing keys, reached as another instance (or the CLI) would: same store, same secret. */
const serviceKeys = () =>
  createSigningKeys(t.store, t.secretKey, { rotationMs: t.config.oidc.keyRotationMs, tokenTtlMs: t.config.oidc.tokenTtlMs }, () => t.now.value);

describe('GET /end_session', () => {
  it('with the session’s own id_token_hint: signs out at once and returns to the registered URI with state', async () => {
    const { tokens, agent } = await signInWithCode(t);
    const res = await agent
      .get('/end_session')
      .query({ id_token_hint: tokens.id_token, post_logout_redirect_uri: `${newsOrigin}/`, state: 'bye' })
      .expect(303);
    expect(res.headers['location']).toBe(`${newsOrigin}/?state=bye`);
    expect((await agent.get('/api/me')).body).toEqual({ user: null });
    const refreshed = await supertest(t.app).post('/token').type('form').send({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: 'news' });
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('accepts an expired id_token_hint', async () => {
    const { tokens, agent } = await signInWithCode(t);
    t.now.value += 30 * 60_000;
    await agent.get('/api/me').expect(200);
    await agent.get('/end_session').query({ id_token_hint: tokens.id_token, post_logout_redirect_uri: newsRedirect }).expect(303);
    expect((await agent.get('/api/me')).body).toEqual({ user: null });
  });

  it('without a hint asks first; the confirmation posted from the service’s own page signs out', async () => {
    const { agent } = await signInWithCode(t);
    const ask = await agent.get('/end_session').query({ client_id: 'news', post_logout_redirect_uri: newsRedirect, state: 's' }).expect(200);
    expect(ask.text).toContain('<form method="post" action="/end_session">');
    expect(ask.text).toContain('News asks to sign you out');
    expect((await agent.get('/api/me')).body.user).not.toBeNull();

    // A cross-site form post with the same fields does not count as the confirmation.
    await agent.post('/end_session').set('Origin', 'https://evil.test').type('form')
      .send({ client_id: 'news', post_logout_redirect_uri: newsRedirect, confirm: 'yes' }).expect(200);
    expect((await agent.get('/api/me')).body.user).not.toBeNull();

    const done = await agent.post('/end_session').type('form')
      .send({ client_id: 'news', post_logout_redirect_uri: newsRedirect, state: 's', confirm: 'yes' }).expect(303);
    expect(done.headers['location']).toBe(`${newsRedirect}?state=s`);
    expect((await agent.get('/api/me')).body).toEqual({ user: null });
  });

  it('asks first when the hint belongs to another session', async () => {
    const other = await signInWithCode(t);
    const { agent } = await signInWithCode(t);
    await agent.get('/end_session').query({ id_token_hint: other.tokens.id_token }).expect(200);
    expect((await agent.get('/api/me')).body.user).not.toBeNull();
    expect((await other.agent.get('/api/me')).body.user).not.toBeNull();
  });

  it('shows an error page (no redirect) for an unregistered post_logout_redirect_uri or a forged hint', async () => {
    const { tokens, agent } = await signInWithCode(t);
    const foreign = await agent.get('/end_session').query({ id_token_hint: tokens.id_token, post_logout_redirect_uri: 'https://evil.test/' }).expect(400);
    expect(foreign.headers['location']).toBeUndefined();
    const otherClients = await agent.get('/end_session').query({ id_token_hint: tokens.id_token, post_logout_redirect_uri: shopRedirect }).expect(400);
    expect(otherClients.headers['location']).toBeUndefined();
    for (const near of [`${newsRedirect}/`, `${newsRedirect}?x=1`, `${newsOrigin}/callbac`, `${newsOrigin}.evil.test/`, 'not a url']) {
      await agent.get('/end_session').query({ id_token_hint: tokens.id_token, post_logout_redirect_uri: near }).expect(400);
    }
    const [h, p] = tokens.id_token.split('.');
    await agent.get('/end_session').query({ id_token_hint: `${h}.${p}.AAAA`, post_logout_redirect_uri: newsRedirect }).expect(400);
    expect((await agent.get('/api/me')).body.user).not.toBeNull();
  });

  it('takes the home page without its trailing slash, as libraries send their base URL (one URL, RFC 3986 §6.2.3)', async () => {
    const { tokens, agent } = await signInWithCode(t);
    const res = await agent.get('/end_session').query({ id_token_hint: tokens.id_token, post_logout_redirect_uri: newsOrigin }).expect(303);
    expect(res.headers['location']).toBe(`${newsOrigin}/`);
    expect((await agent.get('/api/me')).body).toEqual({ user: null });
  });

  it('refuses an access token as id_token_hint (typ at+jwt): error page, and the user stays signed in', async () => {
    const { tokens, agent } = await signInWithCode(t);
    // Same key, issuer, sub, aud and sid as the ID token: only its type tells it apart.
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt');
    const res = await agent.get('/end_session').query({ id_token_hint: tokens.access_token, post_logout_redirect_uri: newsRedirect }).expect(400);
    expect(res.headers['location']).toBeUndefined();
    expect(res.text).toContain('not an ID token');
    expect((await agent.get('/api/me')).body.user).not.toBeNull();
  });

  it('refuses a token signed with our key that lacks the ID token’s claims (exp, iat)', async () => {
    const { tokens, agent } = await signInWithCode(t);
    const { kid, key } = await serviceKeys().signer();
    const { iss, sub, aud, sid } = decodeJwt(tokens.id_token);
    const shapeless = await new SignJWT({ iss, sub, aud, sid }).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(key);
    const res = await agent.get('/end_session').query({ id_token_hint: shapeless, post_logout_redirect_uri: newsRedirect }).expect(400);
    expect(res.text).toContain('not an ID token');
    expect((await agent.get('/api/me')).body.user).not.toBeNull();
  });

  it('asks the user (no error) when the hint’s key was retired and is no longer published', async () => {
    const { tokens, agent } = await signInWithCode(t);
    const oldKid = decodeProtectedHeader(tokens.id_token).kid;
    await serviceKeys().rotate();
    // Past the retired key's retention, well inside the session's idle limit (60 minutes).
    t.now.value += retiredKeyRetentionMs({ rotationMs: t.config.oidc.keyRotationMs, tokenTtlMs: t.config.oidc.tokenTtlMs }) + 1000;
    const jwks = (await supertest(t.app).get('/jwks.json')).body as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid)).not.toContain(oldKid);

    const ask = await agent.get('/end_session').query({ id_token_hint: tokens.id_token, post_logout_redirect_uri: newsRedirect, state: 's' }).expect(200);
    expect(ask.text).toContain('News asks to sign you out');
    // Its sid cannot be trusted any more, so it does not sign out at once.
    expect((await agent.get('/api/me')).body.user).not.toBeNull();
    const done = await agent.post('/end_session').type('form')
      .send({ client_id: 'news', post_logout_redirect_uri: newsRedirect, state: 's', confirm: 'yes' }).expect(303);
    expect(done.headers['location']).toBe(`${newsRedirect}?state=s`);
    expect((await agent.get('/api/me')).body).toEqual({ user: null });
  });

  it('still refuses an unverifiable hint that names another issuer or another client than client_id', async () => {
    const { tokens, agent } = await signInWithCode(t);
    await serviceKeys().rotate();
    t.now.value += retiredKeyRetentionMs({ rotationMs: t.config.oidc.keyRotationMs, tokenTtlMs: t.config.oidc.tokenTtlMs }) + 1000;
    await agent.get('/end_session').query({ id_token_hint: tokens.id_token, client_id: 'shop' }).expect(400);
    const [h, , sig] = tokens.id_token.split('.');
    const foreign = `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(tokens.id_token), iss: 'https://evil.test' })).toString('base64url')}.${sig}`;
    await agent.get('/end_session').query({ id_token_hint: foreign }).expect(400);
    expect((await agent.get('/api/me')).body.user).not.toBeNull();
  });

  it('when already signed out, just returns to the registered URI', async () => {
    const { tokens } = await signInWithCode(t);
    const res = await supertest(t.app).get('/end_session').query({ id_token_hint: tokens.id_token, post_logout_redirect_uri: newsRedirect }).expect(303);
    expect(res.headers['location']).toBe(newsRedirect);
  });
});
