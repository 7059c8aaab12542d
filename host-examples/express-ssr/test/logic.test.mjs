import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, homePage } from '../pages.mjs';
import { safeReturnPath } from '../return-path.mjs';
import { SignedOutError, basicAuthorization, createUserboxClient, pkceChallenge, randomToken } from '../userbox-client.mjs';

test('PKCE S256 matches the RFC 7636 appendix B vector', () => {
  assert.equal(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
});

test('random tokens are 43 base64url characters and differ', () => {
  const [a, b] = [randomToken(), randomToken()];
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, b);
});

test('return paths: only paths on this site', () => {
  assert.equal(safeReturnPath(undefined), '/');
  assert.equal(safeReturnPath(''), '/');
  assert.equal(safeReturnPath('/orders'), '/orders');
  assert.equal(safeReturnPath('/orders?page=2'), '/orders?page=2');
  assert.equal(safeReturnPath('/a/../orders'), '/orders');
  for (const bad of [
    'https://evil.test/',
    '//evil.test/',
    '/\\evil.test',
    '\\\\evil.test',
    'javascript:alert(1)',
    'orders',
    '/\t/evil.test',
    '/\n/evil.test',
    ['/a', '/b'],
    '/' + 'a'.repeat(2048),
  ]) {
    assert.equal(safeReturnPath(bad), null, JSON.stringify(bad));
  }
});

test('user text is escaped in pages', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  const html = homePage({ serviceUrl: 'https://accounts.example.test', user: { sub: 'u"1', name: '<script>alert(1)</script>' } });
  assert.ok(html.includes('Hello, &#60;script&#62;alert(1)&#60;/script&#62;'));
  assert.ok(!html.includes('<script>alert'));
  assert.ok(html.includes('data-user-sub="u&#34;1" data-user-name="&#60;script&#62;alert(1)&#60;/script&#62;"'));
  assert.ok(!homePage({ serviceUrl: 'https://a.test', user: null }).includes('data-user-name'));
  assert.ok(html.includes('<script type="module" src="https://accounts.example.test/userbox.js"></script>\n  <user-box></user-box>'));
});

test('client_secret_basic: id and secret form-urlencoded, then base64 (RFC 6749 §2.3.1)', () => {
  const header = basicAuthorization('express-ssr', 'a+b c/d:é');
  assert.equal(Buffer.from(header.replace(/^Basic /, ''), 'base64').toString(), 'express-ssr:a%2Bb+c%2Fd%3A%C3%A9');
});

test('a confidential client sends its secret in the Authorization header, a public one only client_id', async () => {
  /** @type {Array<{ url: string, authorization: string | null, body: URLSearchParams }>} */
  const seen = [];
  /** @type {typeof fetch} */
  const fakeFetch = async (input, init = {}) => {
    seen.push({ url: String(input), authorization: new Headers(init.headers).get('authorization'), body: new URLSearchParams(String(init.body)) });
    return Response.json({ error: 'invalid_grant' }, { status: 400 });
  };
  const options = { serviceUrl: 'https://accounts.test', internalUrl: 'http://127.0.0.1:1', clientId: 'shop', redirectUri: 'https://shop.test/callback', fetch: fakeFetch };
  const tx = { state: 's', nonce: 'n', codeVerifier: 'v'.repeat(43) };
  await assert.rejects(createUserboxClient({ ...options, clientSecret: 'sekret' }).exchangeCode('c', tx), SignedOutError);
  await assert.rejects(createUserboxClient(options).exchangeCode('c', tx), SignedOutError);
  assert.equal(seen[0]?.url, 'http://127.0.0.1:1/token');
  assert.equal(seen[0]?.authorization, basicAuthorization('shop', 'sekret'));
  assert.equal(seen[0]?.body.get('client_id'), null);
  assert.equal(seen[0]?.body.get('code_verifier'), 'v'.repeat(43));
  assert.equal(seen[1]?.authorization, null);
  assert.equal(seen[1]?.body.get('client_id'), 'shop');
});

test('the box gets the public client id beside a confidential back end, escaped', () => {
  const page = homePage({ serviceUrl: 'https://accounts.example.test', boxClientId: 'shop-box"x', user: null });
  assert.ok(page.includes('<user-box client-id="shop-box&#34;x"></user-box>'));
  assert.ok(homePage({ serviceUrl: 'https://accounts.example.test', user: null }).includes('<user-box></user-box>'));
});

// Logout tokens signed for real (jose), checked by the client's @userbox/verify verifier against a JWKS it
// fetches from the (fake) service: the good one passes once; each forgery is refused.
const { SignJWT, exportJWK, generateKeyPair } = await import('jose');
const serviceKey = await generateKeyPair('ES256');
const strangerKey = await generateKeyPair('ES256');
const serviceJwks = { keys: [{ ...(await exportJWK(serviceKey.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
const logoutEvent = { 'http://schemas.openid.net/event/backchannel-logout': {} };

function logoutClient() {
  /** @type {typeof fetch} */
  const fakeFetch = async (input) =>
    String(input instanceof Request ? input.url : input).endsWith('/jwks.json') ? Response.json(serviceJwks) : new Response(null, { status: 404 });
  return createUserboxClient({ serviceUrl: 'https://accounts.test', internalUrl: 'http://127.0.0.1:1', clientId: 'shop', redirectUri: 'https://shop.test/callback', fetch: fakeFetch });
}

/** @param {Record<string, unknown>} claims @param {{ key?: CryptoKey, typ?: string | null, iat?: number }} [o] */
function logoutToken(claims = {}, o = {}) {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'ES256', kid: 'k1', ...(o.typ === null ? {} : { typ: o.typ ?? 'logout+jwt' }) };
  return new SignJWT({ sub: 'u1', sid: 'sid-1', events: logoutEvent, jti: randomToken(), ...claims })
    .setProtectedHeader(header)
    .setIssuer(typeof claims.iss === 'string' ? claims.iss : 'https://accounts.test')
    .setAudience(typeof claims.aud === 'string' ? claims.aud : 'shop')
    .setIssuedAt(o.iat ?? now)
    .setExpirationTime((o.iat ?? now) + 120)
    .sign(o.key ?? serviceKey.privateKey);
}

test('a logout token from the service passes (with or without typ), and not twice: its jti is remembered', async () => {
  const client = logoutClient();
  const token = await logoutToken();
  const claims = await client.verifyLogoutToken(token);
  assert.equal(claims.sid, 'sid-1');
  assert.equal(claims.sub, 'u1');
  await assert.rejects(client.verifyLogoutToken(token), /replayed jti/);
  await client.verifyLogoutToken(await logoutToken({}, { typ: null }));
  await client.verifyLogoutToken(await logoutToken({ sid: undefined }));
});

for (const [name, make, reason] of [
  ['a bad signature', () => logoutToken({}, { key: strangerKey.privateKey }), /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/],
  ['another issuer', () => logoutToken({ iss: 'https://evil.test' }), /ERR_JWT_CLAIM_VALIDATION_FAILED/],
  ['another audience', () => logoutToken({ aud: 'other-app' }), /ERR_JWT_CLAIM_VALIDATION_FAILED/],
  ['a nonce (an ID token is not a logout token)', () => logoutToken({ nonce: 'n' }), /nonce present/],
  ['no events claim', () => logoutToken({ events: undefined }), /events/],
  ['the wrong event', () => logoutToken({ events: { 'https://example.test/other': {} } }), /events/],
  ['neither sid nor sub', () => logoutToken({ sid: undefined, sub: undefined }), /neither sid nor sub/],
  ['no jti', () => logoutToken({ jti: undefined }), /ERR_JWT_CLAIM_VALIDATION_FAILED/],
  ['an ID token’s typ', () => logoutToken({}, { typ: 'JWT' }), /typ/],
  ['an iat ten minutes old', () => logoutToken({}, { iat: Math.floor(Date.now() / 1000) - 600 }), /ERR_JWT/],
  ['an iat in the future', () => logoutToken({}, { iat: Math.floor(Date.now() / 1000) + 600 }), /ERR_JWT|iat/],
  ['not a JWT at all', async () => 'not.a.jwt', /not a JWT|ERR_/],
]) {
  test(`a logout token with ${name} is refused`, async () => {
    await assert.rejects(logoutClient().verifyLogoutToken(await make()), (err) => err instanceof Error && reason.test(err.message) && err.name === 'InvalidLogoutTokenError');
  });
}
