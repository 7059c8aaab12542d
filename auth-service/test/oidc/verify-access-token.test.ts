import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, decodeJwt, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearerToken, createAccessTokenVerifier } from '@userbox/verify';
import { createOidcTestApp, signInWithCode, type OidcTestApp } from './oidc-test-app.js';

// @userbox/verify (a host back end's verifier) against the real provider over HTTP (createRemoteJWKSet fetches /jwks.json).
let server: http.Server;
let t: OidcTestApp;
let issuer: string;

beforeAll(async () => {
  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The helper checks exp against the real clock, so the service's clock starts at real time.
  t = await createOidcTestApp({ issuer });
  server.on('request', t.app);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('createAccessTokenVerifier', () => {
  it('accepts the provider’s access token for its own audience and returns the claims', async () => {
    const { tokens, userId } = await signInWithCode(t);
    const claims = await createAccessTokenVerifier({ issuer, audience: 'news' }).verify(tokens.access_token);
    expect(claims).toMatchObject({ sub: userId, client_id: 'news', aud: 'news', iss: issuer, scope: 'openid profile email' });
  });

  it('rejects another audience, another issuer, an ID token, a forged and an expired token', async () => {
    const { tokens } = await signInWithCode(t);
    const verifier = createAccessTokenVerifier({ issuer, audience: 'news', cacheSize: 0 });
    await expect(createAccessTokenVerifier({ issuer, audience: 'shop' }).verify(tokens.access_token)).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' });
    await expect(createAccessTokenVerifier({ issuer: 'https://other.test', audience: 'news', jwksUri: `${issuer}/jwks.json` }).verify(tokens.access_token)).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iss' });
    await expect(verifier.verify(tokens.id_token)).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'typ' });
    const [h, , s] = tokens.access_token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(tokens.access_token), sub: 'x' })).toString('base64url')}.${s}`;
    await expect(verifier.verify(tampered)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${tokens.access_token.split('.')[1]}.`;
    await expect(verifier.verify(none)).rejects.toMatchObject({ code: 'ERR_JOSE_ALG_NOT_ALLOWED' });
    const { privateKey } = await generateKeyPair('ES256');
    const expired = await new SignJWT({ ...decodeJwt(tokens.access_token), exp: Math.floor(Date.now() / 1000) - 60 })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'x' })
      .sign(privateKey);
    await expect(verifier.verify(expired)).rejects.toHaveProperty('code');
  });

  it('refuses an EdDSA-signed token with otherwise valid claims: the service signs with ES256 only', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA');
    const token = await new SignJWT({ sub: 'u', client_id: 'news', sid: 's', scope: 'openid' })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience('news')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    // The key source hands out the matching key, as a JWKS that had one would: only the algorithm pin refuses.
    const verifier = createAccessTokenVerifier({ issuer, audience: 'news', keys: async () => publicKey });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'ERR_JOSE_ALG_NOT_ALLOWED' });
  });

  it('does not serve a remembered token after it expires', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const exp = Math.floor(Date.now() / 1000) + 1;
    const token = await new SignJWT({ sub: 'u', client_id: 'news', sid: 's', scope: 'openid', exp })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience('news')
      .sign(privateKey);
    const verifier = createAccessTokenVerifier({ issuer, audience: 'news', clockTolerance: 0, keys: async () => publicKey });
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'u' });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((exp + 1) * 1000);
    try {
      await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads a Bearer header', () => {
    expect(bearerToken('Bearer a.b.c')).toBe('a.b.c');
    expect(bearerToken('bearer a.b.c')).toBe('a.b.c');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
