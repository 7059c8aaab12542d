import type { APIResponse, BrowserContext, Locator, Page, Route } from '@playwright/test';
import { expect, type TestUser, type Urls } from './fixtures.js';

/** The box on a page, and its account button once it shows the user. */
export interface AccountBox {
  box: Locator;
  account: Locator;
}

/** Opens `url` in a browser context where `user` is signed in, and waits until the box shows them. */
export async function openShowingUser(page: Page, url: string, user: TestUser): Promise<AccountBox> {
  await page.goto(url);
  const box = page.locator('user-box');
  const account = box.getByRole('button', { name: `Account: ${user.name}` });
  await expect(account).toBeVisible();
  return { box, account };
}

/** Opens `url` in a new tab of `context` and signs out there through the box's menu, as the user would. */
export async function signOutThroughBox(context: BrowserContext, url: string, user: TestUser): Promise<void> {
  const page = await context.newPage();
  await page.goto(url);
  const box = page.locator('user-box');
  await box.getByRole('button', { name: `Account: ${user.name}` }).click();
  await box.getByRole('menuitem', { name: 'Sign out', exact: true }).click();
  await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
}

/** Adds up, from the page's first script on, the layout shifts not caused by input (Cumulative Layout Shift). */
export async function recordLayoutShift(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { cls: number };
    w.cls = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[]) {
        if (!entry.hadRecentInput) w.cls += entry.value;
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
}

/** The layout shift recorded so far, two frames on, so that a shift from the last render has been reported. */
export function layoutShift(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) =>
        requestAnimationFrame(() => requestAnimationFrame(() => resolve((window as unknown as { cls: number }).cls))),
      ),
  );
}

/**
 * Holds every request of `page` to `url` (a glob, as `page.route` takes) until the returned function is called,
 * then lets them through: for looking at the box while it waits for the service.
 */
export async function holdRequests(page: Page, url: string): Promise<() => void> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(url, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

/**
 * `route.fetch()` for a request the page made to the service: Node cannot resolve the *.test names, so it goes
 * to the direct address with the browser's headers (cookie and Origin included). For tests that alter an answer.
 */
export function fetchFromService(route: Route, urls: Pick<Urls, 'serviceDirect'>): Promise<APIResponse> {
  const url = new URL(route.request().url());
  return route.fetch({ url: `${urls.serviceDirect}${url.pathname}${url.search}` });
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
