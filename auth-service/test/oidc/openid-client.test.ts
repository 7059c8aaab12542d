import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, decodeJwt, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcTestApp, newsOrigin, newsRedirect, type OidcTestApp } from './oidc-test-app.js';

// panva's openid-client as a real relying party, over real HTTP, against the provider: every step of the flow
// must be accepted by it, and every attack refused with the RFC error code it understands.

let server: http.Server;
let t: OidcTestApp;
let config: client.Configuration;

beforeAll(async () => {
  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // openid-client checks iat/exp against the real clock, so the service's fake clock starts at real time here.
  t = await createOidcTestApp({ issuer });
  server.on('request', t.app);
  config = await client.discovery(new URL(issuer), 'news', { redirect_uris: [newsRedirect] }, client.None(), {
    execute: [client.allowInsecureRequests],
  });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** Signs a new user in at the service and runs /authorize in their browser; returns the callback URL. */
async function authorizeInBrowser(options: { prompt?: string } = {}) {
  const user = await t.signedIn();
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: newsRedirect,
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...(options.prompt ? { prompt: options.prompt } : {}),
  });
  const res = await user.agent.get(url.pathname + url.search).expect(303);
  return { ...user, callback: new URL(res.headers['location'] as string), verifier, state, nonce };
}

async function grantError(promise: Promise<unknown>): Promise<{ error: string; status: number }> {
  const err = await promise.then(
    () => expect.unreachable('the provider accepted it'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(client.ResponseBodyError);
  const { error, status } = err as client.ResponseBodyError;
  return { error, status };
}

describe('openid-client as the relying party', () => {
  it('discovers the provider', () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    expect(metadata.supportsPKCE()).toBe(true);
  });

  it('runs the whole flow: code with PKCE (prompt=none), tokens, userinfo, refresh, revoke, end session', async () => {
    const a = await authorizeInBrowser({ prompt: 'none' });
    const tokens = await client.authorizationCodeGrant(config, a.callback, {
      pkceCodeVerifier: a.verifier,
      expectedState: a.state,
      expectedNonce: a.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(a.userId);
    expect(claims['email']).toBe(a.email);

    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ sub: a.userId, name: 'Ada Lovelace', email: a.email });

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.claims()?.sub).toBe(a.userId);
    await client.fetchUserInfo(config, refreshed.access_token, a.userId);

    await client.tokenRevocation(config, refreshed.refresh_token!);
    expect((await grantError(client.refreshTokenGrant(config, refreshed.refresh_token!))).error).toBe('invalid_grant');

    const end = client.buildEndSessionUrl(config, { id_token_hint: refreshed.id_token!, post_logout_redirect_uri: `${newsOrigin}/`, state: 'bye' });
    const res = await a.agent.get(end.pathname + end.search).expect(303);
    expect(res.headers['location']).toBe(`${newsOrigin}/?state=bye`);
    expect((await a.agent.get('/api/me')).body).toEqual({ user: null });
  });

  it('gets login_required back for prompt=none when signed out', async () => {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: newsRedirect,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 's',
      prompt: 'none',
    });
    const res = await fetch(url, { redirect: 'manual' });
    const callback = new URL(res.headers.get('location')!);
    const err = await client.authorizationCodeGrant(config, callback, { expectedState: 's', pkceCodeVerifier: 'x'.repeat(43) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(client.AuthorizationResponseError);
    expect((err as client.AuthorizationResponseError).error).toBe('login_required');
  });

  it('wrong PKCE verifier → invalid_grant', async () => {
    const a = await authorizeInBrowser();
    const err = await grantError(
      client.authorizationCodeGrant(config, a.callback, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: a.state, expectedNonce: a.nonce }),
    );
    expect(err).toEqual({ error: 'invalid_grant', status: 400 });
  });

  it('reused code → invalid_grant', async () => {
    const a = await authorizeInBrowser();
    const checks = { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce };
    await client.authorizationCodeGrant(config, a.callback, checks);
    expect((await grantError(client.authorizationCodeGrant(config, a.callback, checks))).error).toBe('invalid_grant');
  });

  it('wrong redirect URI at the token endpoint → invalid_grant', async () => {
    const a = await authorizeInBrowser();
    const elsewhere = new URL(a.callback);
    elsewhere.pathname = '/elsewhere';
    const err = await grantError(client.authorizationCodeGrant(config, elsewhere, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce }));
    expect(err.error).toBe('invalid_grant');
  });

  it('expired code (61 s) → invalid_grant', async () => {
    const a = await authorizeInBrowser();
    t.now.value += 61_000;
    try {
      const err = await grantError(client.authorizationCodeGrant(config, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce }));
      expect(err.error).toBe('invalid_grant');
    } finally {
      t.now.value -= 61_000;
    }
  });

  it('reused refresh token after the grace window → invalid_grant, and its family is revoked', async () => {
    const a = await authorizeInBrowser();
    const tokens = await client.authorizationCodeGrant(config, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    const next = await client.refreshTokenGrant(config, tokens.refresh_token!);
    t.now.value += 11_000;
    try {
      expect((await grantError(client.refreshTokenGrant(config, tokens.refresh_token!))).error).toBe('invalid_grant');
      expect((await grantError(client.refreshTokenGrant(config, next.refresh_token!))).error).toBe('invalid_grant');
    } finally {
      t.now.value -= 11_000;
    }
  });

  it('replaying a rotated refresh token inside the grace window gets the identical successor; after that one is used, invalid_grant', async () => {
    const a = await authorizeInBrowser();
    const tokens = await client.authorizationCodeGrant(config, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    const next = await client.refreshTokenGrant(config, tokens.refresh_token!);
    const replay = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(replay.refresh_token).toBe(next.refresh_token);
    expect(replay.claims()?.sub).toBe(a.userId);

    const third = await client.refreshTokenGrant(config, next.refresh_token!);
    expect((await grantError(client.refreshTokenGrant(config, tokens.refresh_token!))).error).toBe('invalid_grant');
    expect((await grantError(client.refreshTokenGrant(config, third.refresh_token!))).error).toBe('invalid_grant');
  });

  describe('forged access tokens at /userinfo → invalid_token', () => {
    let real: string;
    let sub: string;
    beforeAll(async () => {
      const a = await authorizeInBrowser();
      const tokens = await client.authorizationCodeGrant(config, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
      real = tokens.access_token;
      sub = a.userId;
    });

    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');

    it.each([
      ['a tampered JWT', async () => {
        const [h, , s] = real.split('.');
        return `${h}.${b64({ ...decodeJwt(real), scope: 'openid profile email admin' })}.${s}`;
      }],
      ['an unknown kid', async () => {
        const { privateKey } = await generateKeyPair('ES256');
        return new SignJWT(decodeJwt(real)).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'unknown' }).sign(privateKey);
      }],
      ['alg: none', async () => `${b64({ alg: 'none', typ: 'at+jwt' })}.${real.split('.')[1]}.`],
    ])('%s', async (_label, forge) => {
      const forged = await forge();
      const err = await client.fetchUserInfo(config, forged, sub).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(client.WWWAuthenticateChallengeError);
      const [challenge] = (err as client.WWWAuthenticateChallengeError).cause;
      expect(challenge?.scheme).toBe('bearer');
      expect(challenge?.parameters.error).toBe('invalid_token');
      await client.fetchUserInfo(config, real, sub); // the real one still works
    });
  });
});
