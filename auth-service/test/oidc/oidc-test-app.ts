import { createHash, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import supertest from 'supertest';
import type { Express } from 'express';
import { expect } from 'vitest';
import { createApp } from '../../src/app.js';
import { defaultOidcPolicy } from '../../src/config.js';
import { createAppRegistry } from '../../src/services/apps.js';
import { openStore, type Store } from '../../src/store/store.js';

export const issuer = 'http://accounts.example.test';
/** Same-site app, as in test-app.ts. */
export const newsOrigin = 'http://news.example.test';
export const newsRedirect = `${newsOrigin}/callback`;
/** A cross-site app: the widget's token-mode case. */
export const shopOrigin = 'https://shop.other.test';
export const shopRedirect = `${shopOrigin}/userbox/callback`;

export interface OidcTestApp {
  app: Express;
  store: Store;
  now: { value: number };
  issuer: string;
  /** A new user, signed in: an agent holding their session cookie (and sending the service's Origin). */
  signedIn(): Promise<{ agent: ReturnType<typeof supertest.agent>; userId: string; email: string }>;
}

let counter = 0;

/** The app with two registered clients (news: same-site, shop: cross-site) on a fresh in-memory database. */
export async function createOidcTestApp(options: { issuer?: string; now?: number; store?: Store } = {}): Promise<OidcTestApp> {
  const publicUrl = options.issuer ?? issuer;
  const store = options.store ?? (await openStore(':memory:'));
  await store.apps.upsert({ id: 'news', name: 'News', url: `${newsOrigin}/`, icon: null, origins: [newsOrigin], redirectUris: [newsRedirect], position: 0 });
  await store.apps.upsert({ id: 'shop', name: 'Shop', url: `${shopOrigin}/`, icon: null, origins: [shopOrigin], redirectUris: [shopRedirect], position: 1 });
  const registry = createAppRegistry(store, publicUrl);
  await registry.reload();
  const now = { value: options.now ?? Date.UTC(2026, 10, 26, 12) };
  const app = createApp({
    config: {
      publicUrl,
      session: { idleMs: 60 * 60_000, absoluteMs: 24 * 60 * 60_000 },
      widgetDir: '/nonexistent',
      secretKey: Buffer.alloc(32, 7),
      authRateLimitPerMinute: 1000,
      oidc: { ...defaultOidcPolicy, refreshGraceMs: 10_000 },
    },
    store,
    registry,
    logger: pino({ level: 'silent' }),
    clock: () => now.value,
  });
  return {
    app,
    store,
    now,
    issuer: publicUrl,
    async signedIn() {
      counter += 1;
      const input = { email: `oidc${counter}.${randomBytes(3).toString('hex')}@example.test`, name: 'Ada Lovelace', password: 'correct horse battery staple' };
      const created = await supertest(app).post('/api/users').set('Origin', publicUrl).send(input).expect(201);
      const agent = supertest.agent(app).set('Origin', publicUrl);
      await agent.post('/api/session').send({ email: input.email, password: input.password }).expect(200);
      return { agent, userId: (created.body as { user: { id: string } }).user.id, email: input.email };
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
