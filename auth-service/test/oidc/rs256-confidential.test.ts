import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, decodeProtectedHeader, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientSecrets } from '../../src/services/client-secrets.js';
import { createOidcTestApp, type OidcTestApp } from './oidc-test-app.js';

// panva's openid-client as a confidential client that asks for RS256 ID tokens (what most server-side libraries
// assume, OpenID Connect Core §15.1), authenticating with client_secret_basic and then client_secret_post.

const booksOrigin = 'https://books.example.test';
const booksRedirect = `${booksOrigin}/callback`;

let server: http.Server;
let t: OidcTestApp;
let issuer: string;
let secret: string;

beforeAll(async () => {
  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t = await createOidcTestApp({
    issuer,
    apps: [
      { id: 'books', name: 'Books', url: `${booksOrigin}/`, icon: null, origins: [booksOrigin], redirectUris: [booksRedirect], confidential: true, idTokenSignedResponseAlg: 'RS256' },
    ],
  });
  server.on('request', t.app);
  secret = await createClientSecrets(t.store, t.config.oidc, () => t.now.value).rotate('books');
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const discover = (auth: client.ClientAuth, alg = 'RS256') =>
  client.discovery(new URL(issuer), 'books', { redirect_uris: [booksRedirect], id_token_signed_response_alg: alg }, auth, {
    execute: [client.allowInsecureRequests],
  });

async function signInAt(config: client.Configuration) {
  const user = await t.signedIn();
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: booksRedirect,
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const res = await user.agent.get(url.pathname + url.search).expect(303);
  const tokens = await client.authorizationCodeGrant(config, new URL(res.headers['location'] as string), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  return { ...user, tokens };
}

describe('a confidential client with RS256 ID tokens, through openid-client', () => {
  it.each([
    ['client_secret_basic', () => client.ClientSecretBasic(secret)],
    ['client_secret_post', () => client.ClientSecretPost(secret)],
  ])('signs in with %s; the ID token is RS256 and verifies against the JWKS, the access token stays ES256', async (_method, auth) => {
    const config = await discover(auth());
    const { tokens, userId } = await signInAt(config);
    expect(decodeProtectedHeader(tokens.id_token!)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(tokens.claims()?.sub).toBe(userId);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(decodeProtectedHeader(refreshed.id_token!).alg).toBe('RS256');
  });

  it('is refused with a wrong secret → invalid_client, as openid-client reports it', async () => {
    const config = await discover(client.ClientSecretBasic(`${secret}-wrong`));
    const err = await signInAt(config).then(
      () => expect.unreachable('accepted a wrong secret'),
      (e: unknown) => e,
    );
    // A 401 with `WWW-Authenticate: Basic` (RFC 6749 §5.2) is reported as the challenge, with the body's error.
    expect(err).toBeInstanceOf(client.WWWAuthenticateChallengeError);
    const challenge = err as client.WWWAuthenticateChallengeError;
    expect(challenge.status).toBe(401);
    expect(challenge.cause[0]?.scheme).toBe('basic');
    expect(await challenge.response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('is refused without a secret (client authentication none) → invalid_client with a Basic challenge', async () => {
    const config = await discover(client.None());
    const err = await signInAt(config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(client.WWWAuthenticateChallengeError);
    expect((err as client.WWWAuthenticateChallengeError).status).toBe(401);
    expect(await (err as client.WWWAuthenticateChallengeError).response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('signs with the registered algorithm, not the one a client assumes: openid-client expecting ES256 refuses it', async () => {
    const config = await discover(client.ClientSecretBasic(secret), 'ES256');
    const err = await signInAt(config).catch((e: unknown) => e);
    expect(((err as Error).cause as Error).message).toBe('unexpected JWT "alg" header parameter');
  });

  it('signs out with an RS256 id_token_hint; a forged RS256 hint is refused', async () => {
    const config = await discover(client.ClientSecretBasic(secret));
    const { tokens, agent } = await signInAt(config);
    const { privateKey } = await generateKeyPair('RS256');
    const { kid } = decodeProtectedHeader(tokens.id_token!);
    const forged = await new SignJWT({ sub: 'x', aud: 'books', sid: 'y' })
      .setProtectedHeader({ alg: 'RS256', kid: kid!, typ: 'JWT' })
      .setIssuer(issuer)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    const refused = await agent.get('/end_session').query({ id_token_hint: forged, post_logout_redirect_uri: booksRedirect });
    expect(refused.status).toBe(400);
    expect((await agent.get('/api/me')).body.user).not.toBeNull();

    const end = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: booksRedirect, state: 'bye' });
    const res = await agent.get(end.pathname + end.search).expect(303);
    expect(res.headers['location']).toBe(`${booksRedirect}?state=bye`);
    expect((await agent.get('/api/me')).body).toEqual({ user: null });
  });
});
