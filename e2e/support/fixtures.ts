import { randomUUID } from 'node:crypto';
import { test as base, expect, request, type BrowserContext } from '@playwright/test';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through playwright.config.ts (global setup)`);
  return value;
}

export interface TestUser {
  id: string;
  email: string;
  name: string;
  password: string;
}

export interface Urls {
  service: string;
  news: string;
  /** The test-only host pages (support/host-pages.ts), another app on the same site. */
  mail: string;
  /** The same host pages on another registrable domain: the widget runs in token mode there. */
  shop: string;
  /** The host examples (host-examples/*): static is `news`. */
  react: string;
  python: string;
  /** Another site than the service's: its box runs in token mode. */
  ssr: string;
}

/** The host examples the shared specs (tests/hosts/) run against, one Playwright project each. */
export type HostName = 'static' | 'react' | 'python' | 'express-ssr';

/** An app of the registry the tests run with, in the launcher's order. */
export interface RegisteredApp {
  id: string;
  name: string;
  url: string;
  /** A bundled icon's name, an https URL, or null. */
  icon: string | null;
}

function hostUrl(urls: Urls, host: HostName): string {
  const byHost: Record<HostName, string> = { static: urls.news, react: urls.react, python: urls.python, 'express-ssr': urls.ssr };
  return byHost[host];
}

/**
 * Signs `user` in for the whole browser context without the login page: POST /api/session from Node (the
 * *.test names resolve only inside Chromium, so it goes to the direct address), then hands the session cookie
 * to the browser for the service's host. The login page itself is covered by sign-in.spec.ts.
 */
export async function signIn(context: BrowserContext, serviceUrl: string, user: TestUser): Promise<void> {
  const api = await request.newContext({ baseURL: process.env['USERBOX_SERVICE_DIRECT_URL'], ignoreHTTPSErrors: true });
  const res = await api.post('/api/session', {
    data: { email: user.email, password: user.password },
    headers: { Origin: serviceUrl },
  });
  expect(res.status(), await res.text()).toBe(200);
  const setCookie = res.headers()['set-cookie'] ?? '';
  await api.dispose();
  const [, name, value] = /^([^=]+)=([^;]*)/.exec(setCookie) ?? [];
  expect(name, setCookie).toBe('__Host-userbox_session');
  await context.addCookies([
    { name: name!, value: value!, domain: new URL(serviceUrl).hostname, path: '/', secure: true, httpOnly: true, sameSite: 'Lax' },
  ]);
}

/**
 * `user`: a fresh account made through the service's API for this test alone; `signedInUser`: that account,
 * signed in for the test's browser context (`signIn`) before the test starts.
 */
export const test = base.extend<{
  urls: Urls;
  apps: RegisteredApp[];
  /** Which host example a `host-*` project runs the shared specs against (`use: { host }`). */
  host: HostName | undefined;
  /** That host's origin; fails the test when the project names no host or the host could not be started. */
  hostUrl: string;
  user: TestUser;
  signedInUser: TestUser;
  makeUser: (fields?: { name?: string; email?: string }) => Promise<TestUser>;
}>({
  // eslint-disable-next-line no-empty-pattern
  urls: async ({}, use) => {
    await use({
      service: env('USERBOX_SERVICE_URL'),
      news: env('USERBOX_NEWS_URL'),
      mail: env('USERBOX_MAIL_URL'),
      shop: env('USERBOX_SHOP_URL'),
      react: env('USERBOX_REACT_URL'),
      python: env('USERBOX_PYTHON_URL'),
      ssr: env('USERBOX_SSR_URL'),
    });
  },
  // eslint-disable-next-line no-empty-pattern
  apps: async ({}, use) => {
    await use(JSON.parse(env('USERBOX_APPS')) as RegisteredApp[]);
  },
  host: [undefined, { option: true }],
  hostUrl: async ({ host, urls }, use) => {
    if (!host) throw new Error('hostUrl needs a `host` option: run the shared specs through a host-* project');
    // A host that could not start fails its tests with the reason, rather than skipping them unseen.
    const missing = (JSON.parse(process.env['USERBOX_MISSING_HOSTS'] ?? '{}') as Record<string, string>)[host];
    if (missing) throw new Error(`the ${host} host example is not running: ${missing}`);
    await use(hostUrl(urls, host));
  },
  makeUser: async ({ urls }, use) => {
    const api = await request.newContext({ baseURL: env('USERBOX_SERVICE_DIRECT_URL'), ignoreHTTPSErrors: true });
    await use(async ({ name = 'Ada Lovelace', email = `e2e-${randomUUID()}@example.test` } = {}) => {
      const input = { email, name, password: `pw-${randomUUID()}` };
      const res = await api.post('/api/users', { data: input, headers: { Origin: urls.service } });
      expect(res.status(), await res.text()).toBe(201);
      const { user } = (await res.json()) as { user: { id: string } };
      return { ...input, id: user.id };
    });
    await api.dispose();
  },
  user: async ({ makeUser }, use) => {
    await use(await makeUser());
  },
  signedInUser: async ({ context, urls, user }, use) => {
    await signIn(context, urls.service, user);
    await use(user);
  },
});

export { expect };
