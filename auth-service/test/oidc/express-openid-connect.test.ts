import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { auth, requiresAuth, type ConfigParams } from 'express-openid-connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientSecrets } from '../../src/services/client-secrets.js';
import { createOidcTestApp, type OidcTestApp } from './oidc-test-app.js';

// Auth0's express-openid-connect, a server-side library this project does not write, configured as its README
// says for a regular web app: the code flow, a client secret (its default method, client_secret_basic), RS256 ID
// tokens (its default) and RP-initiated logout (idpLogout). It runs on real HTTP against the real service; a
// small fetch-based browser with a cookie jar follows the redirects and fills in the service's sign-in form.

const graceHours = 1;

let t: OidcTestApp;
let serviceServer: http.Server;
let rpServer: http.Server;
let issuer: string;
let rpBase: string;
let secret: string;
/** The relying party the RP server runs now: each test configures its own. */
let rp: Express;
let rpErrors: Array<{ error?: string; status?: number; message: string }>;

const listen = async (server: http.Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  serviceServer = http.createServer();
  rpServer = http.createServer((req, res) => rp(req, res));
  issuer = await listen(serviceServer);
  rpBase = await listen(rpServer);
  t = await createOidcTestApp({
    issuer,
    apps: [{ id: 'shelf', name: 'Shelf', url: `${rpBase}/`, icon: null, origins: [rpBase], redirectUris: [`${rpBase}/callback`], confidential: true, idTokenSignedResponseAlg: 'RS256' }],
    env: { OIDC_CLIENT_SECRET_GRACE_HOURS: String(graceHours) },
  });
  serviceServer.on('request', t.app);
  secret = await createClientSecrets(t.store, t.config.oidc, () => t.now.value).rotate('shelf');
});

afterAll(async () => {
  await Promise.all([serviceServer, rpServer].map((s) => new Promise((resolve) => s.close(resolve))));
});

/** An Express back end using express-openid-connect; `overrides` change its documented settings. */
function relyingParty(overrides: Partial<ConfigParams> = {}): Express {
  rpErrors = [];
  const app = express();
  app.use(
    auth({
      issuerBaseURL: issuer,
      baseURL: rpBase,
      clientID: 'shelf',
      clientSecret: secret,
      secret: 'a long, random value that encrypts the app session cookie',
      authRequired: false,
      idpLogout: true,
      authorizationParams: { response_type: 'code', scope: 'openid profile email' },
      ...overrides,
    }),
  );
  app.get('/', (req, res) => {
    res.type('text').send(req.oidc.isAuthenticated() ? `Hello ${req.oidc.user?.['name'] as string} <${req.oidc.user?.['email'] as string}>` : 'Signed out');
  });
  app.get('/profile', requiresAuth(), (req, res) => {
    res.json({ sub: req.oidc.user?.['sub'], sid: req.oidc.idTokenClaims?.['sid'] });
  });
  const onError: ErrorRequestHandler = (err: { error?: string; status?: number; message: string }, _req, res, _next) => {
    rpErrors.push({ error: err.error, status: err.status, message: err.message });
    res.status(err.status ?? 500).type('text').send('Sign-in failed');
  };
  app.use(onError);
  return app;
}

/** A browser: one cookie jar per host and port, redirects followed, forms posted with their page's Origin. */
function browser() {
  const jars = new Map<string, Map<string, string>>();
  const jarOf = (url: URL) => jars.get(url.host) ?? jars.set(url.host, new Map()).get(url.host)!;

  async function request(url: URL, init: { method?: string; form?: Record<string, string>; origin?: string } = {}): Promise<Response> {
    const jar = jarOf(url);
    const headers: Record<string, string> = {};
    if (jar.size > 0) headers['cookie'] = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (init.origin) headers['origin'] = init.origin;
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      redirect: 'manual',
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      const gone = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()));
      if (gone) jar.delete(name);
      else jar.set(name, pair!.slice(at + 1).trim());
    }
    return res;
  }

  /** GETs `start` and follows redirects; returns the last answer and where it came from. */
  async function visit(start: string | URL, first: { method?: string; form?: Record<string, string>; origin?: string } = {}) {
    let url = new URL(start);
    let res = await request(url, first);
    for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 20; hops++) {
      url = new URL(res.headers.get('location')!, url);
      res = await request(url);
    }
    return { url, res, text: await res.text() };
  }

  return {
    visit,
    /** At the service's sign-in form (`page`), signs in as the user and follows where it leads. */
    async signIn(page: { url: URL; text: string }, user: { email: string; password: string }) {
      expect(page.url.origin + page.url.pathname).toBe(`${issuer}/login`);
      const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page.text)?.[1]?.replaceAll('&amp;', '&') ?? '';
      return visit(new URL('/login', issuer), {
        method: 'POST',
        origin: issuer,
        form: { email: user.email, password: user.password, return_to: field('return_to'), csrf: field('csrf') },
      });
    },
  };
}

/**
 * How the library reports the service's 401 invalid_client: after Basic, the answer carries the
 * `WWW-Authenticate: Basic` challenge RFC 6749 §5.2 requires, which openid-client reports as the challenge
 * rather than the body's error code.
 */
const refusal = (method: 'client_secret_basic' | 'client_secret_post') =>
  method === 'client_secret_basic'
    ? { error: 'OAUTH_WWW_AUTHENTICATE_CHALLENGE', message: 'server responded with a challenge in the WWW-Authenticate HTTP Header' }
    : { error: 'invalid_client' };

async function signInThroughTheRelyingParty() {
  const user = await t.createUser({ name: 'Grace Hopper' });
  const b = browser();
  const loginPage = await b.visit(`${rpBase}/login`);
  expect(loginPage.res.status).toBe(200);
  const back = await b.signIn(loginPage, user);
  return { user, b, back };
}

describe('express-openid-connect as a confidential client (client_secret_basic, RS256)', () => {
  it('signs in: the back end sees the user; signs out at the service too (RP-initiated logout)', async () => {
    rp = relyingParty();
    const { user, b, back } = await signInThroughTheRelyingParty();
    expect(rpErrors).toEqual([]);
    expect(back.url.href).toBe(`${rpBase}/`);
    expect(back.text).toBe(`Hello Grace Hopper <${user.email}>`);
    const profile = await b.visit(`${rpBase}/profile`);
    expect(JSON.parse(profile.text)).toEqual({ sub: user.id, sid: expect.any(String) });
    expect((await b.visit(`${issuer}/api/me`)).text).toContain(user.email);

    const out = await b.visit(`${rpBase}/logout`);
    expect(out.url.href).toBe(`${rpBase}/`);
    expect(out.text).toBe('Signed out');
    // The account session ended too: the service no longer knows the browser.
    expect(JSON.parse((await b.visit(`${issuer}/api/me`)).text)).toEqual({ user: null });
    expect((await b.visit(`${rpBase}/profile`)).url.pathname).toBe('/login');
  });

  it('works with client_secret_post as well', async () => {
    rp = relyingParty({ clientAuthMethod: 'client_secret_post' });
    const { back } = await signInThroughTheRelyingParty();
    expect(back.text).toMatch(/^Hello Grace Hopper/);
  });

  // (The library itself refuses to run the code flow without a secret, "Public code flow clients are not
  // supported"; a missing secret is refused in confidential-clients.test.ts and rs256-confidential.test.ts.)
  it.each(['client_secret_basic', 'client_secret_post'] as const)('is refused with a wrong secret by %s: invalid_client, and the back end has no user', async (method) => {
    rp = relyingParty({ clientSecret: 'x'.repeat(43), clientAuthMethod: method });
    const { back, b } = await signInThroughTheRelyingParty();
    expect(back.url.pathname).toBe('/callback');
    expect(back.text).toBe('Sign-in failed');
    expect(rpErrors).toMatchObject([refusal(method)]);
    expect((await b.visit(`${rpBase}/`)).text).toBe('Signed out');
  });

  it('keeps working with the old secret while it is in its grace period after a rotation, and is refused after', async () => {
    const old = secret;
    const rotated = await createClientSecrets(t.store, t.config.oidc, () => t.now.value).rotate('shelf');
    rp = relyingParty({ clientSecret: old });
    expect((await signInThroughTheRelyingParty()).back.text).toMatch(/^Hello/);
    rp = relyingParty({ clientSecret: rotated });
    expect((await signInThroughTheRelyingParty()).back.text).toMatch(/^Hello/);

    // Past the grace period on the service's clock. (The library checks the ID token against the real clock, so
    // only the refusal, which comes before any token, can be seen this far ahead.)
    t.now.value += graceHours * 3_600_000 + 1000;
    rp = relyingParty({ clientSecret: old });
    const { back } = await signInThroughTheRelyingParty();
    expect(back.text).toBe('Sign-in failed');
    expect(rpErrors).toMatchObject([refusal('client_secret_basic')]);
    secret = rotated;
  });
});
