import { request, type APIResponse, type BrowserContext, type Page, type Route } from '@playwright/test';
import { expect, type TestUser } from './fixtures.js';

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
 * `route.fetch()` for a request the page made to the service: Node cannot resolve the *.test names, so it goes
 * to the direct address with the browser's headers (cookie and Origin included). For tests that alter an answer.
 */
export function fetchFromService(route: Route): Promise<APIResponse> {
  const url = new URL(route.request().url());
  return route.fetch({ url: `${process.env['USERBOX_SERVICE_DIRECT_URL']}${url.pathname}${url.search}` });
}

/** Records in the page, from its first script on, what the box and the browser report. */
export async function recordPageEvents(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as Record<string, unknown[]>;
    w['userboxEvents'] = [];
    w['cspViolations'] = [];
    w['unhandled'] = [];
    for (const type of ['userbox-change', 'userbox-signout', 'userbox-error']) {
      document.addEventListener(type, (e) => {
        const detail = (e as CustomEvent<Record<string, unknown>>).detail;
        const error = detail['error'] as Error | undefined;
        w['userboxEvents']!.push({ type, detail: error ? { error: error.name } : detail });
      });
    }
    document.addEventListener('securitypolicyviolation', (e) =>
      w['cspViolations']!.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
    addEventListener('unhandledrejection', (e) => w['unhandled']!.push(String(e.reason)));
  });
}

/** The element's public methods, as a page script sees them (the e2e project does not import the widget). */
export interface UserBoxApi {
  refresh(): Promise<void>;
  signOut(options?: { everywhere?: boolean }): Promise<void>;
}

export interface PageRecord {
  userboxEvents: { type: string; detail: Record<string, unknown> }[];
  cspViolations: string[];
  unhandled: string[];
}

export function pageRecord(page: Page): Promise<PageRecord> {
  return page.evaluate(() => {
    const w = window as unknown as PageRecord;
    return { userboxEvents: w.userboxEvents, cspViolations: w.cspViolations, unhandled: w.unhandled };
  });
}
