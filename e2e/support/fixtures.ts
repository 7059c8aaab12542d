import { randomUUID } from 'node:crypto';
import { test as base, expect, request } from '@playwright/test';

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
}

/** `user`: a fresh account made through the service's API for this test alone. */
export const test = base.extend<{ urls: Urls; user: TestUser; makeUser: (fields?: { name?: string; email?: string }) => Promise<TestUser> }>({
  // eslint-disable-next-line no-empty-pattern
  urls: async ({}, use) => {
    await use({ service: env('USERBOX_SERVICE_URL'), news: env('USERBOX_NEWS_URL'), mail: env('USERBOX_MAIL_URL'), shop: env('USERBOX_SHOP_URL') });
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
});

export { expect };
