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
  assert.ok(html.includes('data-user-sub="u&#34;1"'));
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
