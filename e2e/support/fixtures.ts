import { randomUUID } from 'node:crypto';
import { test as base, expect, request, type BrowserContext } from '@playwright/test';
import { startServices, type RunningServices } from './services.js';
import type { Mailbox } from './mailbox.js';

export interface TestUser {
  id: string;
  email: string;
  name: string;
  password: string;
}

export interface Urls {
  service: string;
  /** Where Node (not the browser) reaches the service: the *.test names resolve only inside Chromium. */
  serviceDirect: string;
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
export async function signIn(context: BrowserContext, urls: Urls, user: TestUser): Promise<void> {
  const serviceUrl = urls.service;
  const api = await request.newContext({ baseURL: urls.serviceDirect, ignoreHTTPSErrors: true });
  const res = await api.post('/api/session', {
    data: { email: user.email, password: user.password },
    headers: { Origin: serviceUrl },
  });
  expect(res.status(), await res.text()).toBe(200);
  const setCookie = res.headers()['set-cookie'] ?? '';
  await api.dispose();
  const [, name, value] = /^([^=]+)=([^;]*)/.exec(setCookie) ?? [];
  expect(name, setCookie).toBe('__Host-userbox_session');
  // And the site's userbox_sync cookie, as a browser signing in gets it: boxes trust a kept view only while it
  // is unchanged, so a sign-in behind their back must change it, as every real sign-in does.
  const sync = /^userbox_sync=([^;]*);.*Domain=([^;]+)/im.exec(setCookie);
  expect(sync, setCookie).toBeTruthy();
  await context.addCookies([
    { name: name!, value: value!, domain: new URL(serviceUrl).hostname, path: '/', secure: true, httpOnly: true, sameSite: 'Lax' },
    { name: 'userbox_sync', value: sync![1]!, domain: `.${sync![2]!}`, path: '/', secure: true, httpOnly: false, sameSite: 'Lax' },
  ]);
}

/**
 * Signs several accounts in to one browser context, in order (the first is the default), as "Add another
 * account" would: each POST /api/session carries the session cookie so far and `add: true`.
 */
export async function signInAccounts(context: BrowserContext, urls: Urls, users: readonly TestUser[]): Promise<void> {
  const api = await request.newContext({ baseURL: urls.serviceDirect, ignoreHTTPSErrors: true });
  let value = '';
  for (const user of users) {
    const res = await api.post('/api/session', {
      data: { email: user.email, password: user.password, add: true },
      headers: { Origin: urls.service, ...(value ? { Cookie: `__Host-userbox_session=${value}` } : {}) },
    });
    expect(res.status(), await res.text()).toBe(200);
    value = /^__Host-userbox_session=([^;]*)/m.exec(res.headersArray().filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value).join('\n'))?.[1] ?? '';
    expect(value).not.toBe('');
  }
  await api.dispose();
  await context.addCookies([
    { name: '__Host-userbox_session', value, domain: new URL(urls.service).hostname, path: '/', secure: true, httpOnly: true, sameSite: 'Lax' },
  ]);
}

const portTaken = (message: string) => message.includes('EADDRINUSE');

/**
 * The free ports are found before the processes bind them, so another process on the machine may take one
 * meanwhile: then everything starts again on new ports (at most three times).
 */
async function startOnFreePorts(attempt = 1): Promise<RunningServices> {
  let services: RunningServices;
  try {
    services = await startServices();
  } catch (err) {
    if (attempt < 3 && portTaken(String(err))) return startOnFreePorts(attempt + 1);
    throw err;
  }
  if (attempt < 3 && Object.values(services.missingHosts).some(portTaken)) {
    await services.stop();
    return startOnFreePorts(attempt + 1);
  }
  return services;
}

/**
 * `services`: the account service, the host examples and the test-only host pages, started once per worker
 * (support/services.ts) and stopped after its last test; `urls` and `apps` are their addresses and registry.
 * `user`: a fresh account made through the service's API for this test alone; `signedInUser`: that account,
 * signed in for the test's browser context (`signIn`) before the test starts.
 */
export const test = base.extend<
  {
    /** Which host example a `host-*` project runs the shared specs against (`use: { host }`). */
    host: HostName | undefined;
    /** That host's origin; fails the test when the project names no host or the host could not be started. */
    hostUrl: string;
    user: TestUser;
    signedInUser: TestUser;
    makeUser: (fields?: { name?: string; email?: string }) => Promise<TestUser>;
  },
  { services: RunningServices; urls: Urls; apps: RegisteredApp[]; mailbox: Mailbox }
>({
  services: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const services = await startOnFreePorts();
      await use(services);
      await services.stop();
    },
    // Starting five servers (the service compiles its TypeScript) takes seconds on a busy machine.
    { scope: 'worker', timeout: 120_000 },
  ],
  urls: [
    async ({ services }, use) => {
      await use({
        service: services.serviceUrl,
        serviceDirect: services.serviceDirectUrl,
        news: services.newsUrl,
        mail: services.mailUrl,
        shop: services.shopUrl,
        react: services.reactUrl,
        python: services.pythonUrl,
        ssr: services.ssrUrl,
      });
    },
    { scope: 'worker' },
  ],
  apps: [async ({ services }, use) => use(services.apps), { scope: 'worker' }],
  /** The SMTP server the service mails to: the mail a test's actions sent, as it arrived. */
  mailbox: [async ({ services }, use) => use(services.mailbox), { scope: 'worker' }],
  host: [undefined, { option: true }],
  hostUrl: async ({ host, urls, services }, use) => {
    if (!host) throw new Error('hostUrl needs a `host` option: run the shared specs through a host-* project');
    // A host that could not start fails its tests with the reason, rather than skipping them unseen.
    const missing = services.missingHosts[host];
    if (missing) throw new Error(`the ${host} host example is not running: ${missing}`);
    await use(hostUrl(urls, host));
  },
  makeUser: async ({ urls }, use) => {
    const api = await request.newContext({ baseURL: urls.serviceDirect, ignoreHTTPSErrors: true });
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
    await signIn(context, urls, user);
    await use(user);
  },
});

export { expect };
