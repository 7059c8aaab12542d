import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import * as client from 'openid-client';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize, createOidcTestApp, pkcePair, postForm, type OidcTestApp } from './oidc-test-app.js';

// private_key_jwt (RFC 7523, OpenID Connect Core §9): a confidential client registers its public keys and signs
// a short assertion instead of sending a secret. openid-client drives the good path; hand-made assertions the bad.

const cellarOrigin = 'https://cellar.example.test';
const cellarRedirect = `${cellarOrigin}/callback`;
const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

let server: http.Server;
let t: OidcTestApp;
let issuer: string;
let key: CryptoKey;
let publicJwk: JWK;

beforeAll(async () => {
  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pair = await generateKeyPair('ES256', { extractable: true });
  key = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'cellar-1', alg: 'ES256', use: 'sig' };
  t = await createOidcTestApp({
    issuer,
    apps: [
      { id: 'cellar', name: 'Cellar', url: `${cellarOrigin}/`, icon: null, origins: [cellarOrigin], redirectUris: [cellarRedirect], confidential: true, jwks: { keys: [publicJwk] } },
      { id: 'vault', name: 'Vault', url: 'https://vault.example.test/', icon: null, origins: ['https://vault.example.test'], redirectUris: ['https://vault.example.test/cb'], confidential: true },
    ],
  });
  server.on('request', t.app);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** An assertion as a client makes it; `claims` and `header` change it. */
function assertion(claims: Record<string, unknown> = {}, options: { header?: Record<string, unknown>; signWith?: CryptoKey | Uint8Array; alg?: string } = {}) {
  const now = Math.floor(t.now.value / 1000);
  return new SignJWT({ jti: randomBytes(16).toString('base64url'), ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: 'cellar-1', ...options.header })
    .setIssuer((claims['iss'] as string | undefined) ?? 'cellar')
    .setSubject((claims['sub'] as string | undefined) ?? 'cellar')
    .setAudience((claims['aud'] as string | undefined) ?? issuer)
    .setIssuedAt(now)
    .setExpirationTime((claims['exp'] as number | undefined) ?? now + 60)
    .sign(options.signWith ?? key);
}

async function codeFor(clientId = 'cellar', redirectUri = cellarRedirect) {
  const user = await t.signedIn();
  const { verifier, challenge } = pkcePair();
  const code = await authorize(user.agent, { clientId, redirectUri, challenge });
  return { code, verifier };
}

const exchange = async (form: Record<string, string>) => {
  const { code, verifier } = await codeFor();
  return postForm(t.app, '/token', { grant_type: 'authorization_code', code, redirect_uri: cellarRedirect, code_verifier: verifier, ...form });
};

function expectInvalidClient(res: supertest.Response): void {
  expect(res.status).toBe(401);
  expect(res.body).toMatchObject({ error: 'invalid_client' });
}

describe('private_key_jwt', () => {
  it('signs in through openid-client with PrivateKeyJwt, refreshes and revokes', async () => {
    const config = await client.discovery(new URL(issuer), 'cellar', { redirect_uris: [cellarRedirect] }, client.PrivateKeyJwt({ key, kid: 'cellar-1' }), {
      execute: [client.allowInsecureRequests],
    });
    expect(config.serverMetadata().token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    const user = await t.signedIn();
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: cellarRedirect,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 's',
    });
    const res = await user.agent.get(url.pathname + url.search).expect(303);
    const tokens = await client.authorizationCodeGrant(config, new URL(res.headers['location'] as string), { pkceCodeVerifier: verifier, expectedState: 's' });
    expect(tokens.claims()?.sub).toBe(user.userId);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    await client.tokenRevocation(config, refreshed.refresh_token!);
  });

  it('takes the token endpoint as the audience too, and client_id alongside', async () => {
    const res = await exchange({ client_id: 'cellar', client_assertion_type: assertionType, client_assertion: await assertion({ aud: `${issuer}/token` }) });
    expect(res.status).toBe(200);
  });

  it('refuses a replayed assertion: each jti works once', async () => {
    const once = await assertion();
    expect((await exchange({ client_assertion_type: assertionType, client_assertion: once })).status).toBe(200);
    expectInvalidClient(await exchange({ client_assertion_type: assertionType, client_assertion: once }));
  });

  it.each([
    ['signed by another key', async () => assertion({}, { signWith: (await generateKeyPair('ES256')).privateKey })],
    ['for another audience', () => assertion({ aud: 'https://elsewhere.test' })],
    ['expired', () => assertion({ exp: Math.floor(t.now.value / 1000) - 120 })],
    ['living longer than 10 minutes', () => assertion({ exp: Math.floor(t.now.value / 1000) + 3600 })],
    ['issued as another client', () => assertion({ iss: 'vault', sub: 'vault' })],
    ['with sub not the client', () => assertion({ sub: 'someone' })],
    ['HMAC-signed (HS256) with the public key as secret', () => assertion({}, { alg: 'HS256', signWith: new TextEncoder().encode(JSON.stringify(publicJwk)) })],
    ['without a jti', () => new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'cellar-1' }).setIssuer('cellar').setSubject('cellar').setAudience(issuer).setExpirationTime('1m').sign(key)],
  ])('refuses an assertion %s → invalid_client', async (_label, make) => {
    expectInvalidClient(await exchange({ client_assertion_type: assertionType, client_assertion: await make() }));
  });

  it('refuses a wrong assertion type, two methods at once, and a client that registered no keys', async () => {
    expectInvalidClient(await exchange({ client_assertion_type: 'urn:other', client_assertion: await assertion() }));
    expectInvalidClient(await exchange({ client_assertion_type: assertionType, client_assertion: 'not-a-jwt' }));
    const both = await exchange({ client_assertion_type: assertionType, client_assertion: await assertion(), client_id: 'cellar', client_secret: 'x' });
    expect(both.status).toBe(400);
    expect(both.body).toMatchObject({ error: 'invalid_request' });
    const vault = await codeFor('vault', 'https://vault.example.test/cb');
    const res = await postForm(t.app, '/token', {
      grant_type: 'authorization_code',
      code: vault.code,
      redirect_uri: 'https://vault.example.test/cb',
      code_verifier: vault.verifier,
      client_assertion_type: assertionType,
      client_assertion: await assertion({ iss: 'vault', sub: 'vault' }),
    });
    expectInvalidClient(res);
  });

  it('is refused for a public client', async () => {
    const user = await t.signedIn();
    const { verifier, challenge } = pkcePair();
    const code = await authorize(user.agent, { challenge });
    const res = await postForm(t.app, '/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'https://news.example.test/callback',
      code_verifier: verifier,
      client_id: 'news',
      client_assertion_type: assertionType,
      client_assertion: await assertion({ iss: 'news', sub: 'news' }),
    });
    expectInvalidClient(res);
  });

  it('is listed in discovery with the algorithms it takes', async () => {
    const { body } = await supertest(t.app).get('/.well-known/openid-configuration').expect(200);
    expect(body.token_endpoint_auth_methods_supported).toEqual(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt']);
    expect(body.token_endpoint_auth_signing_alg_values_supported).toEqual(['ES256', 'RS256', 'PS256', 'EdDSA']);
  });
});
