import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, homePage } from '../pages.mjs';
import { safeReturnPath } from '../return-path.mjs';
import { pkceChallenge, randomToken } from '../userbox-client.mjs';

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
