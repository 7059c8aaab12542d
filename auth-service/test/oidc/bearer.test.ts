import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { createOidcTestApp, newsOrigin, shopOrigin, shopRedirect, signInWithCode, type OidcTestApp } from './oidc-test-app.js';

let t: OidcTestApp;
beforeEach(async () => {
  t = await createOidcTestApp();
});

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Access tokens a client must never get accepted, built from a real one. */
async function forgeries(token: string): Promise<Record<string, string>> {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = decodeJwt(token);
  const { privateKey } = await generateKeyPair('ES256');
  const unknownKid = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'not-ours' }).sign(privateKey);
  const ourKidOtherKey = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: decodeProtectedHeader(token).kid! })
    .sign(privateKey);
  return {
    'a tampered payload': `${header}.${b64({ ...claims, sub: 'someone-else' })}.${signature}`,
    'a tampered signature': `${header}.${payload}.${signature.slice(0, -4)}AAAA`,
    'an unknown kid': unknownKid,
    'our kid with another key': ourKidOtherKey,
    'alg: none': `${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.`,
    'alg: HS256': `${b64({ alg: 'HS256', typ: 'at+jwt', kid: decodeProtectedHeader(token).kid })}.${payload}.${signature}`,
    'an ID token instead': '',
    'not a JWT': 'abc',
  };
}

describe('GET /userinfo', () => {
  it('answers the claims of the token’s scope', async () => {
    const { tokens, userId, email } = await signInWithCode(t);
    const res = await supertest(t.app).get('/userinfo').set('Authorization', `Bearer ${tokens.access_token}`).expect(200);
    expect(res.body).toEqual({ sub: userId, name: 'Ada Lovelace', email, email_verified: false });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers POST /userinfo too, with the token in the header and no body', async () => {
    const { tokens, userId } = await signInWithCode(t);
    const res = await supertest(t.app).post('/userinfo').set('Authorization', `Bearer ${tokens.access_token}`).expect(200);
    expect(res.body.sub).toBe(userId);
  });

  it('answers CORS for a registered origin (no credentials) and its preflight', async () => {
    const { tokens } = await signInWithCode(t, 'shop', shopRedirect);
    const res = await supertest(t.app).get('/userinfo').set('Origin', shopOrigin).set('Authorization', `Bearer ${tokens.access_token}`).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(shopOrigin);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    const pre = await supertest(t.app).options('/userinfo').set('Origin', shopOrigin).set('Access-Control-Request-Headers', 'authorization').expect(204);
    expect(pre.headers['access-control-allow-headers']).toMatch(/Authorization/);
  });

  it('refuses a token presented from another registered app’s origin → invalid_token', async () => {
    const { tokens } = await signInWithCode(t, 'shop', shopRedirect);
    const res = await supertest(t.app).get('/userinfo').set('Origin', newsOrigin).set('Authorization', `Bearer ${tokens.access_token}`).expect(401);
    expect(res.body.error).toBe('invalid_token');
    await supertest(t.app).get('/api/me').set('Origin', newsOrigin).set('Authorization', `Bearer ${tokens.access_token}`).expect(401);
    await supertest(t.app).get('/api/me').set('Origin', shopOrigin).set('Authorization', `Bearer ${tokens.access_token}`).expect(200);
  });

  it('refuses a missing token and forged ones → 401 invalid_token with WWW-Authenticate', async () => {
    const { tokens } = await signInWithCode(t);
    const cases = await forgeries(tokens.access_token);
    cases['an ID token instead'] = tokens.id_token;
    for (const [label, forged] of Object.entries({ ...cases, 'no token': '' })) {
      const req = supertest(t.app).get('/userinfo');
      const res = await (forged ? req.set('Authorization', `Bearer ${forged}`) : req);
      expect(res.status, label).toBe(401);
      expect(res.body.error, label).toBe('invalid_token');
      expect(res.headers['www-authenticate'], label).toMatch(/^Bearer error="invalid_token"/);
    }
  });

  it('refuses an expired access token (after 10 minutes)', async () => {
    const { tokens, agent } = await signInWithCode(t);
    // Keep the session alive meanwhile, so only the token's expiry is tested.
    t.now.value += 5 * 60_000;
    await agent.get('/api/me').expect(200);
    t.now.value += 5 * 60_000;
    const res = await supertest(t.app).get('/userinfo').set('Authorization', `Bearer ${tokens.access_token}`).expect(401);
    expect(res.body.error).toBe('invalid_token');
  });

  it('refuses a valid token once its account session has ended', async () => {
    const { tokens, agent } = await signInWithCode(t);
    await supertest(t.app).get('/userinfo').set('Authorization', `Bearer ${tokens.access_token}`).expect(200);
    await agent.delete('/api/session').expect(204);
    const res = await supertest(t.app).get('/userinfo').set('Authorization', `Bearer ${tokens.access_token}`).expect(401);
    expect(res.body.error).toBe('invalid_token');
  });
});

describe('GET /api/me with Authorization: Bearer', () => {
  it('answers the same body as with the session cookie', async () => {
    const { tokens, agent } = await signInWithCode(t, 'shop', shopRedirect);
    const withCookie = (await agent.get('/api/me').expect(200)).body;
    const withToken = await supertest(t.app).get('/api/me').set('Origin', shopOrigin).set('Authorization', `Bearer ${tokens.access_token}`).expect(200);
    expect(withToken.body).toEqual(withCookie);
    expect(withToken.body.user.name).toBe('Ada Lovelace');
    expect(withToken.headers['access-control-allow-origin']).toBe(shopOrigin);
  });

  it('answers 401 with WWW-Authenticate: Bearer error="invalid_token" for a bad or stale token', async () => {
    const { tokens, agent } = await signInWithCode(t);
    const forged = (await forgeries(tokens.access_token))['alg: none']!;
    const bad = await supertest(t.app).get('/api/me').set('Authorization', `Bearer ${forged}`).expect(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(bad.body.error.code).toBe('UNAUTHENTICATED');

    await agent.delete('/api/sessions').expect(204); // sign out everywhere
    await supertest(t.app).get('/api/me').set('Authorization', `Bearer ${tokens.access_token}`).expect(401);
  });
});

describe('DELETE /api/sessions with Authorization: Bearer (sign out everywhere from token mode)', () => {
  it('ends every session of the token’s user, the cookie’s included, and the token with them', async () => {
    const { tokens, agent } = await signInWithCode(t, 'shop', shopRedirect);
    const other = await t.signedIn();
    await supertest(t.app).delete('/api/sessions').set('Origin', shopOrigin).set('Authorization', `Bearer ${tokens.access_token}`).expect(204);
    expect((await agent.get('/api/me').expect(200)).body).toEqual({ user: null });
    await supertest(t.app).get('/api/me').set('Origin', shopOrigin).set('Authorization', `Bearer ${tokens.access_token}`).expect(401);
    // Another user's session is untouched.
    expect((await other.agent.get('/api/me').expect(200)).body.user).not.toBeNull();
  });

  it('refuses a forged or foreign-origin token → 401, and a foreign origin without one → 403', async () => {
    const { tokens, agent } = await signInWithCode(t, 'shop', shopRedirect);
    const forged = (await forgeries(tokens.access_token))['a tampered payload']!;
    await supertest(t.app).delete('/api/sessions').set('Origin', shopOrigin).set('Authorization', `Bearer ${forged}`).expect(401);
    await supertest(t.app).delete('/api/sessions').set('Origin', newsOrigin).set('Authorization', `Bearer ${tokens.access_token}`).expect(401);
    await supertest(t.app).delete('/api/sessions').set('Origin', 'https://evil.test').set('Authorization', `Bearer ${tokens.access_token}`).expect(403);
    expect((await agent.get('/api/me').expect(200)).body.user).not.toBeNull();
  });
});
