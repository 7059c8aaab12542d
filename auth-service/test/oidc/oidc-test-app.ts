import { createHash, randomBytes } from 'node:crypto';
import supertest from 'supertest';
import type { Express } from 'express';
import { expect } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { appOrigin, createTestApp, serviceOrigin, type TestApp, type TestAppOptions } from '../test-app.js';

export const issuer = serviceOrigin;
/** Same-site app: test-app.ts's News. */
export const newsOrigin = appOrigin;
export const newsRedirect = `${newsOrigin}/callback`;
/** A cross-site app: the widget's token-mode case. */
export const shopOrigin = 'https://shop.other.test';
export const shopRedirect = `${shopOrigin}/userbox/callback`;

export interface OidcTestApp extends TestApp {
  issuer: string;
  /** A new user, signed in: an agent holding their session cookie (and sending the service's Origin). */
  signedIn(): Promise<{ agent: ReturnType<typeof supertest.agent>; userId: string; email: string }>;
}

/** The test app with two registered clients (news: same-site, shop: cross-site), on a fresh in-memory database or `store`. */
export async function createOidcTestApp(
  options: { issuer?: string; store?: Store; apps?: TestAppOptions['apps']; env?: Record<string, string>; logger?: TestAppOptions['logger'] } = {},
): Promise<OidcTestApp> {
  const t = await createTestApp({
    publicUrl: options.issuer ?? issuer,
    apps: [{ id: 'shop', name: 'Shop', url: `${shopOrigin}/`, icon: null, origins: [shopOrigin], redirectUris: [shopRedirect] }, ...(options.apps ?? [])],
    // The grace window the refresh tests step across, whatever the default becomes.
    env: { OIDC_REFRESH_GRACE_SECONDS: '10', ...options.env },
    store: options.store,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    ...t,
    issuer: t.publicUrl,
    async signedIn() {
      const user = await t.createUser();
      const agent = supertest.agent(t.app).set('Origin', t.publicUrl);
      await agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
      return { agent, userId: user.id, email: user.email };
    },
  };
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeOptions {
  clientId?: string;
  redirectUri?: string;
  challenge?: string;
  scope?: string;
  extra?: Record<string, string>;
}

export function authorizeQuery(o: AuthorizeOptions = {}): Record<string, string> {
  return {
    response_type: 'code',
    client_id: o.clientId ?? 'news',
    redirect_uri: o.redirectUri ?? newsRedirect,
    scope: o.scope ?? 'openid profile email',
    state: 'st-123',
    nonce: 'n-456',
    code_challenge: o.challenge ?? pkcePair().challenge,
    code_challenge_method: 'S256',
    ...o.extra,
  };
}

/** The query of a redirect's Location, after checking where it points. */
export function redirectParams(res: supertest.Response, to: string): URLSearchParams {
  expect(res.status).toBe(303);
  const location = new URL(res.headers['location'] as string);
  expect(location.origin + location.pathname).toBe(to);
  return location.searchParams;
}

/** Runs /authorize for a signed-in agent and returns the code. */
export async function authorize(agent: ReturnType<typeof supertest.agent>, o: AuthorizeOptions = {}): Promise<string> {
  const res = await agent.get('/authorize').query(authorizeQuery(o));
  const params = redirectParams(res, o.redirectUri ?? newsRedirect);
  expect(params.get('error')).toBeNull();
  return params.get('code')!;
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  id_token: string;
  refresh_token: string;
}

/** POSTs a form to an OAuth endpoint like a back end (no Origin), unless `origin` is given. */
export function postForm(app: Express, path: string, form: Record<string, string>, origin?: string): supertest.Test {
  const req = supertest(app).post(path).type('form').send(form);
  return origin ? req.set('Origin', origin) : req;
}

/** A full code flow for a new signed-in user. */
export async function signInWithCode(t: OidcTestApp, clientId = 'news', redirectUri = newsRedirect) {
  const user = await t.signedIn();
  const { verifier, challenge } = pkcePair();
  const code = await authorize(user.agent, { clientId, redirectUri, challenge });
  const res = await postForm(t.app, '/token', { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: clientId }).expect(200);
  return { ...user, tokens: res.body as TokenResponse };
}
