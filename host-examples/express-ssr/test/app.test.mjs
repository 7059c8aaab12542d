// The app's rules against a fake service client: the once-per-session silent check, the callback's binding to
// the browser, the per-page check with one refresh, and sign-out.
import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import { createApp } from '../app.mjs';
import { SignedOutError, ServiceUnavailableError } from '../userbox-client.mjs';

/** Access tokens issued for Bob (u2). */
const bobTokens = new Set();
const service = { tokens: 0, signedIn: true, refreshOk: true, reachable: true, calls: [] };
let txCount = 0;
/** @type {import('../userbox-client.mjs').UserboxClient} */
const client = {
  newTransaction: () => ({ state: `state${++txCount}`, nonce: 'n', codeVerifier: 'v' }),
  authorizeUrl: (tx, { prompt, loginHint } = {}) =>
    `https://accounts.test/authorize?state=${tx.state}${prompt ? `&prompt=${prompt}` : ''}${loginHint ? `&login_hint=${encodeURIComponent(loginHint)}` : ''}`,
  async exchangeCode(code) {
    service.calls.push('token');
    // 'good' signs in Ada (u1); 'good-bob' Bob (u2), the account a switch picks.
    if (code !== 'good' && code !== 'good-bob') throw new SignedOutError('bad code');
    const tokens = tokensNo(++service.tokens);
    if (code === 'good-bob') bobTokens.add(tokens.accessToken);
    const sid = `sid-${service.tokens}`;
    return { tokens, claims: code === 'good' ? { sub: 'u1', name: 'Ada <Lovelace>', sid } : { sub: 'u2', name: 'Bob <Builder>', sid } };
  },
  async refresh() {
    service.calls.push('refresh');
    if (!service.reachable) throw new ServiceUnavailableError('down');
    if (!service.refreshOk || !service.signedIn) throw new SignedOutError('no');
    return tokensNo(++service.tokens);
  },
  async userinfo(accessToken) {
    service.calls.push(`userinfo ${accessToken}`);
    if (!service.reachable) throw new ServiceUnavailableError('down');
    if (!service.signedIn || accessToken === 'at1-expired') throw new SignedOutError('401');
    return bobTokens.has(accessToken) ? { sub: 'u2', name: 'Bob <Builder>' } : { sub: 'u1', name: 'Ada <Lovelace>' };
  },
  // A fake logout token: `logout:<sid>:<sub>` (either may be empty); anything else is refused. The real checks are
  // @userbox/verify's, tested in logic.test.mjs against signed tokens.
  async verifyLogoutToken(token) {
    service.calls.push('verifyLogoutToken');
    const [kind, sid, sub] = token.split(':');
    if (kind !== 'logout') throw new Error('invalid logout token: signature');
    return { ...(sid ? { sid } : {}), ...(sub ? { sub } : {}) };
  },
  endSessionUrl: (idToken, back) => `https://accounts.test/end_session?id_token_hint=${idToken}&post_logout_redirect_uri=${back}`,
};
function tokensNo(n) {
  return { accessToken: `at${n}`, refreshToken: `rt${n}`, idToken: `id${n}`, expiresAt: Date.now() + 600_000 };
}

const config = { publicUrl: 'https://shop.test', serviceUrl: 'https://accounts.test', clientId: 'shop' };
const { app, sessions } = createApp({ config, client, warn: () => {} });
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
// The host as it was before back-channel logout: /userinfo on every page (the benchmark's "before").
const polling = createApp({ config: { ...config, checkEveryPage: true }, client, warn: () => {} });
const pollingServer = polling.app.listen(0, '127.0.0.1');
await new Promise((resolve) => pollingServer.once('listening', resolve));
const pollingBase = `http://127.0.0.1:${pollingServer.address().port}`;
after(() => {
  sessions.stop();
  server.close();
  polling.sessions.stop();
  pollingServer.close();
});

/** The service POSTs a logout token to the host's back-channel endpoint. */
const backChannelLogout = (token, at = base) =>
  fetch(`${at}/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logout_token: token }) });

/** A tiny browser: a cookie jar and manual redirects. */
function browser(at = base) {
  const jar = new Map();
  return {
    jar,
    async get(path, headers = {}) {
      const res = await fetch(at + path, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), ...headers } });
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const [name, value] = pair.split('=');
        if (/Expires=Thu, 01 Jan 1970/.test(line)) jar.delete(name);
        else jar.set(name, value);
      }
      return { status: res.status, location: res.headers.get('location'), text: await res.text(), setCookies: res.headers.getSetCookie() };
    },
    async post(path, headers = {}) {
      const res = await fetch(at + path, { method: 'POST', redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), ...headers } });
      return { status: res.status, location: res.headers.get('location') };
    },
  };
}
const stateOf = (location) => new URL(location).searchParams.get('state');

async function signedIn(at = base) {
  const b = browser(at);
  const start = await b.get('/login?return_to=/orders');
  const back = await b.get(`/callback?code=good&state=${stateOf(start.location)}&iss=${encodeURIComponent('https://accounts.test')}`);
  assert.equal(back.location, '/orders');
  assert.ok(b.jar.has('__Host-ssr_session'));
  return b;
}

beforeEach(() => Object.assign(service, { signedIn: true, refreshOk: true, reachable: true, calls: [] }));

test('a first visit checks silently once; login_required is remembered', async () => {
  const b = browser();
  const first = await b.get('/');
  assert.equal(first.status, 303);
  assert.match(first.location, /prompt=none/);
  const back = await b.get(`/callback?error=login_required&state=${stateOf(first.location)}&iss=${encodeURIComponent('https://accounts.test')}`);
  assert.equal(back.location, '/');
  const again = await b.get('/');
  assert.equal(again.status, 200);
  assert.match(again.text, /Hello, guest/);
});

test('the widget\'s own callback on / is left alone', async () => {
  const page = await browser().get('/?code=abc&state=xyz');
  assert.equal(page.status, 200);
});

test('a callback this browser did not start is refused (no code exchange)', async () => {
  const start = await browser().get('/login');
  const other = browser();
  const res = await other.get(`/callback?code=good&state=${stateOf(start.location)}`);
  assert.equal(res.status, 400);
  assert.ok(!service.calls.includes('token'));
});

// RFC 9207: the service's discovery says it always sends iss, so an answer without one did not come from it.
for (const [name, iss] of [['another issuer', '&iss=https%3A%2F%2Fevil.test'], ['no iss', '']]) {
  for (const [kind, answer] of [['code', 'code=good'], ['error', 'error=access_denied']]) {
    test(`a callback with ${name} (${kind}) is refused before any code exchange`, async () => {
      const b = browser();
      const start = await b.get('/login');
      const res = await b.get(`/callback?${answer}&state=${stateOf(start.location)}${iss}`);
      assert.equal(res.status, 400);
      assert.match(res.text, /did not come from the expected account service/);
      assert.ok(!service.calls.includes('token'));
      assert.ok(!b.jar.has('__Host-ssr_session'));
    });
  }
}

test('/orders signs in, comes back, and renders the user escaped', async () => {
  const anonymous = await browser().get('/orders');
  assert.equal(anonymous.status, 303);
  assert.doesNotMatch(anonymous.location, /prompt=/);
  const b = await signedIn();
  const home = await b.get('/');
  assert.match(home.text, /Hello, Ada &#60;Lovelace&#62;/);
  assert.equal((await b.get('/orders')).status, 200);
});

test('a sign-in lets the box\'s token mode check again', async () => {
  const b = browser();
  const start = await b.get('/login');
  const back = await b.get(`/callback?code=good&state=${stateOf(start.location)}&iss=${encodeURIComponent('https://accounts.test')}`);
  assert.ok(back.setCookies.some((c) => /^userbox_tried_shop=;.*Expires=Thu, 01 Jan 1970/.test(c)));
});

test('beside a confidential back end, the box\'s own client is the one told to check again', async () => {
  const boxed = createApp({ config: { publicUrl: 'https://shop.test', serviceUrl: 'https://accounts.test', clientId: 'shop', boxClientId: 'shop-box' }, client, warn: () => {} });
  const other = boxed.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => other.once('listening', resolve));
  try {
    const at = `http://127.0.0.1:${other.address().port}`;
    const start = await fetch(`${at}/login`, { redirect: 'manual' });
    const state = stateOf(start.headers.get('location'));
    const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const back = await fetch(`${at}/callback?code=good&state=${state}&iss=${encodeURIComponent('https://accounts.test')}`, { redirect: 'manual', headers: { cookie } });
    assert.ok(back.headers.getSetCookie().some((c) => /^userbox_tried_shop-box=;.*Expires=Thu, 01 Jan 1970/.test(c)));
    const session = back.headers.getSetCookie().map((c) => c.split(';')[0]).filter((c) => !c.endsWith('=')).join('; ');
    const home = await fetch(`${at}/`, { redirect: 'manual', headers: { cookie: session } });
    assert.equal(home.status, 200);
    assert.match(await home.text(), /<user-box client-id="shop-box"><\/user-box>/);
  } finally {
    boxed.sessions.stop();
    other.close();
  }
});

test('a signed-in page costs the service no request', async () => {
  const b = await signedIn();
  service.calls = [];
  assert.match((await b.get('/')).text, /Hello, Ada &#60;Lovelace&#62;/);
  assert.equal((await b.get('/orders')).status, 200);
  assert.deepEqual(service.calls, []);
});

test('a back-channel logout for the session ends it: the next page shows a guest; a forged one is refused with 400', async () => {
  const b = await signedIn();
  const other = await signedIn();
  const sid = sessions.get(b.jar.get('__Host-ssr_session')).sid;
  const forged = await backChannelLogout(`forged:${sid}`);
  assert.equal(forged.status, 400);
  assert.deepEqual(await forged.json(), { error: 'invalid_request' });
  assert.equal((await backChannelLogout('')).status, 400);
  const huge = await backChannelLogout(`logout:${sid}:u1:${'x'.repeat(20_000)}`);
  assert.equal(huge.status, 400);
  assert.deepEqual(await huge.json(), { error: 'invalid_request' });
  assert.match((await b.get('/')).text, /Hello, Ada/);

  const res = await backChannelLogout(`logout:${sid}:u1`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const page = await b.get('/');
  assert.equal(page.status, 200);
  assert.match(page.text, /Hello, guest/);
  assert.equal((await b.get('/orders')).status, 303);
  // Another session of the same user, from another account session, stays.
  assert.match((await other.get('/')).text, /Hello, Ada/);
});

test('a back-channel logout with sub alone ends every host session of that user', async () => {
  const [one, two] = [await signedIn(), await signedIn()];
  assert.equal((await backChannelLogout('logout::u1')).status, 200);
  assert.match((await one.get('/')).text, /Hello, guest/);
  assert.match((await two.get('/')).text, /Hello, guest/);
});

test('checking every page (the old way): every page asks /userinfo; a 401 is tried with one refresh', async () => {
  const b = await signedIn(pollingBase);
  const session = polling.sessions.get(b.jar.get('__Host-ssr_session'));
  session.tokens.accessToken = 'at1-expired';
  service.calls = [];
  const page = await b.get('/');
  assert.match(page.text, /Hello, Ada/);
  assert.deepEqual(service.calls.map((c) => c.split(' ')[0]), ['userinfo', 'refresh', 'userinfo']);
});

test('checking every page: signed out at the service, the next page shows a guest and the host session is gone', async () => {
  const b = await signedIn(pollingBase);
  service.signedIn = false;
  const page = await b.get('/');
  assert.equal(page.status, 200);
  assert.match(page.text, /Hello, guest/);
  assert.ok(!b.jar.has('__Host-ssr_session'));
  assert.equal((await b.get('/orders')).status, 303);
});

test('checking every page: an unreachable service signs nobody out and protects /orders', async () => {
  const b = await signedIn(pollingBase);
  service.reachable = false;
  assert.equal((await b.get('/orders')).status, 503);
  service.reachable = true;
  assert.match((await b.get('/')).text, /Hello, Ada/);
});

test('/login refuses return paths off this site', async () => {
  for (const bad of ['https://evil.test', '//evil.test', '/%5Cevil.test'.replace('%5C', '\\')]) {
    assert.equal((await browser().get(`/login?return_to=${encodeURIComponent(bad)}`)).status, 400);
  }
});

test('sign-out ends the host session and goes to /end_session with the ID token', async () => {
  const b = await signedIn();
  assert.equal((await b.post('/logout', { origin: 'https://evil.test' })).status, 403);
  const res = await b.post('/logout', { origin: 'https://shop.test' });
  assert.equal(res.status, 303);
  assert.match(res.location, /^https:\/\/accounts\.test\/end_session\?id_token_hint=id\d+&post_logout_redirect_uri=https:\/\/shop\.test\/$/);
  assert.equal(sessions.get(b.jar.get('__Host-ssr_session')), undefined);
});

test('GET /logout from another site asks first', async () => {
  const b = await signedIn();
  const res = await b.get('/logout', { 'sec-fetch-site': 'cross-site' });
  assert.equal(res.status, 200);
  assert.match(res.text, /Sign out\?/);
  assert.match((await b.get('/')).text, /Hello, Ada/);
});

test('"Switch account" goes through the service\'s account chooser and comes back to this page', async () => {
  const b = await signedIn();
  const orders = await b.get('/orders');
  assert.match(orders.text, /<a class="switch" href="\/login\?prompt=select_account&#38;return_to=%2Forders">Switch account<\/a>/);
  assert.match(orders.text, /<script type="module" src="\/account-switch.js"><\/script>/);
  const start = await b.get('/login?prompt=select_account&return_to=%2Forders');
  assert.equal(start.status, 303);
  assert.match(start.location, /^https:\/\/accounts\.test\/authorize\?state=[^&]+&prompt=select_account$/);
  // The user chose Bob there: the server now renders Bob, not Ada.
  const back = await b.get(`/callback?code=good-bob&state=${stateOf(start.location)}&iss=${encodeURIComponent('https://accounts.test')}`);
  assert.equal(back.location, '/orders');
  const page = await b.get('/');
  assert.match(page.text, /Hello, Bob &#60;Builder&#62;/);
  assert.match(page.text, /data-user-sub="u2"/);
  assert.doesNotMatch(page.text, /Ada/);
});

test('/login passes login_hint on (the box\'s userbox-switch), and refuses a malformed one', async () => {
  const b = await signedIn();
  const start = await b.get('/login?login_hint=u2&return_to=%2Forders%3Fx%3D1');
  assert.equal(start.status, 303);
  assert.equal(new URL(start.location).searchParams.get('login_hint'), 'u2');
  const back = await b.get(`/callback?code=good-bob&state=${stateOf(start.location)}&iss=${encodeURIComponent('https://accounts.test')}`);
  assert.equal(back.location, '/orders?x=1');
  assert.match((await b.get('/orders')).text, /data-user-sub="u2"/);
  assert.equal((await b.get('/login?login_hint=a%0Ab')).status, 400);
  assert.equal((await b.get('/login?login_hint=a&login_hint=b')).status, 400);
  assert.equal((await b.get('/login?prompt=consent')).status, 400);
});

test('serves the switch hook as a script of its own (strict CSP: no inline script)', async () => {
  const res = await fetch(`${base}/account-switch.js`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /javascript/);
  assert.match(await res.text(), /userbox-switch/);
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  const page = await (await signedIn()).get('/');
  assert.doesNotMatch(page.text, /<script(?![^>]*\bsrc=)/);
});
