import { chromium, type Page } from '@playwright/test';
import { expect, signIn, test, type Urls } from '../support/fixtures.js';
import { fetchFromService, holdRequests, layoutShift, openShowingUser, recordLayoutShift, signOutThroughBox } from '../support/widget.js';

// Issue 19: a repeat page view costs the service nothing, paints the kept view in its first render, and copes
// when the service is down. Requests that reach the service are counted from the browser's side: /api and
// /token answers are never cached (but /api/apps, which its own test tells apart), so each such request event
// is one the service answered.

/** Every request of `page` to the service's API or token endpoint, as `METHOD /path`, from now on. */
function recordServiceCalls(page: Page, urls: Pick<Urls, 'service'>): string[] {
  const calls: string[] = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.origin === urls.service && /^\/(api\/|token$)/.test(url.pathname)) calls.push(`${req.method()} ${url.pathname}`);
  });
  return calls;
}

/**
 * What the box showed in its first render, recorded in the page: its first `updateComplete` after the element
 * is defined (the upgrade renders in the same task), with whether a placeholder or the account button was in it.
 */
async function recordFirstRender(page: Page): Promise<void> {
  await page.addInitScript(() => {
    void customElements.whenDefined('user-box').then(async () => {
      const box = document.querySelector('user-box') as (HTMLElement & { updateComplete: Promise<unknown> }) | null;
      if (!box) return;
      await box.updateComplete;
      const root = box.shadowRoot!;
      (window as unknown as { firstRender: string }).firstRender = root.querySelector('[part=button]')
        ? 'account button'
        : root.querySelector('[part=placeholder]')
          ? 'placeholder'
          : root.querySelector('[part=sign-in]')
            ? 'sign in'
            : 'nothing';
    });
  });
}

const firstRender = (page: Page) => page.evaluate(() => (window as unknown as { firstRender?: string }).firstRender);

test.describe('a repeat page view on the service’s site (cookie mode)', () => {
  test('asks once, then shows the kept user in the first render of the next views, asking nothing', async ({ page, urls, signedInUser: user }) => {
    await recordFirstRender(page);
    const calls = recordServiceCalls(page, urls);
    await openShowingUser(page, `${urls.mail}/`, user);
    expect(calls).toEqual(['GET /api/me']);
    expect(await firstRender(page)).toBe('placeholder');

    for (const address of [`${urls.mail}/cart`, `${urls.mail}/?long`, `${urls.mail}/`]) {
      await openShowingUser(page, address, user);
      expect(await firstRender(page), address).toBe('account button');
    }
    expect(calls).toEqual(['GET /api/me']);
  });

  test('a repeat view paints the kept user in the space the box holds: no layout shift (CLS 0)', async ({ page, urls, signedInUser: user }) => {
    await openShowingUser(page, `${urls.mail}/`, user);
    const box = page.locator('user-box');
    const size = await box.boundingBox();
    await recordLayoutShift(page);
    await recordFirstRender(page);
    await openShowingUser(page, `${urls.mail}/cart`, user);
    expect(await firstRender(page)).toBe('account button');
    expect(await box.boundingBox()).toEqual(size);
    expect(await layoutShift(page)).toBe(0);
  });

  test('shares the kept view with the site’s other origins only through what they fetched themselves', async ({ page, urls, signedInUser: user }) => {
    const calls = recordServiceCalls(page, urls);
    await openShowingUser(page, `${urls.mail}/`, user);
    await openShowingUser(page, `${urls.news}/`, user);
    // localStorage is per origin: News asks once for itself, then its repeat views are free too.
    await openShowingUser(page, `${urls.news}/`, user);
    expect(calls).toEqual(['GET /api/me', 'GET /api/me']);
  });

  test('a sign-out in another app changes the sync cookie: the next view asks and shows Sign in, never the kept user', async ({ page, context, urls, signedInUser: user }) => {
    await openShowingUser(page, `${urls.mail}/`, user);
    // No Mail tab open to hear it (an open one would ask at once and keep the signed-out view).
    await page.close();
    await signOutThroughBox(context, `${urls.news}/`, user);
    const next = await context.newPage();
    await recordFirstRender(next);
    const calls = recordServiceCalls(next, urls);
    await next.goto(`${urls.mail}/cart`);
    await expect(next.locator('user-box').getByRole('link', { name: 'Sign in' })).toBeVisible();
    expect(calls).toEqual(['GET /api/me']);
    expect(await firstRender(next)).not.toBe('account button');
  });

  test('sign out everywhere on the account page: the next view shows Sign in, never the kept user', async ({ page, urls, signedInUser: user }) => {
    await openShowingUser(page, `${urls.mail}/`, user);
    await page.goto(`${urls.service}/account`);
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await expect(page).toHaveURL(`${urls.service}/login`);
    await recordFirstRender(page);
    await page.goto(`${urls.mail}/`);
    await expect(page.locator('user-box').getByRole('link', { name: 'Sign in' })).toBeVisible();
    expect(await firstRender(page)).not.toBe('account button');
  });

  test('a session ended on another device shows in an open tab at its next focus, kept view or not', async ({ page, browser, urls, signedInUser: user }) => {
    const { box } = await openShowingUser(page, `${urls.mail}/`, user);
    await openShowingUser(page, `${urls.mail}/cart`, user);
    // Another device signs in and signs out everywhere: nothing this browser holds changes.
    const laptop = await browser.newContext({ ignoreHTTPSErrors: true });
    const other = await laptop.newPage();
    await other.goto(`${urls.service}/login`);
    await other.getByLabel('Email').fill(user.email);
    await other.getByLabel('Password').fill(user.password);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.goto(`${urls.service}/account`);
    await other.getByRole('button', { name: 'Sign out everywhere' }).click();
    await expect(other).toHaveURL(`${urls.service}/login`);
    await laptop.close();
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
  });

  test('a name change on the account page shows on the next view of another app', async ({ page, urls, signedInUser: user }) => {
    await openShowingUser(page, `${urls.mail}/`, user);
    await page.goto(`${urls.service}/account`);
    await page.getByLabel('Name').fill('Augusta Ada King');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect(page.getByRole('status')).toHaveText('Your profile was saved.');
    await recordFirstRender(page);
    await openShowingUser(page, `${urls.mail}/`, { ...user, name: 'Augusta Ada King' });
    expect(await firstRender(page)).not.toBe('account button');
  });

  test('a kept view never outlives the session: after its expiry the box asks, and shows what the service says', async ({ page, urls, signedInUser: user }) => {
    // The service says this session ends in two seconds (its idle timeout, say), then that it has ended.
    let ended = false;
    await page.route(`${urls.service}/api/me`, async (route) => {
      if (ended) return route.fulfill({ json: { user: null } });
      const response = await fetchFromService(route, urls);
      const body = (await response.json()) as { user: unknown; session: { expiresAt: string } };
      await route.fulfill({ response, json: { ...body, session: { ...body.session, expiresAt: new Date(Date.now() + 2000).toISOString() } } });
    });
    const calls = recordServiceCalls(page, urls);
    await openShowingUser(page, `${urls.mail}/`, user);
    await page.waitForTimeout(2100);
    ended = true;
    await recordFirstRender(page);
    await page.goto(`${urls.mail}/cart`);
    await expect(page.locator('user-box').getByRole('link', { name: 'Sign in' })).toBeVisible();
    expect(await firstRender(page)).not.toBe('account button');
    expect(calls).toEqual(['GET /api/me', 'GET /api/me']);
  });

  test('view-max-age="0" keeps nothing: every view asks, as before', async ({ page, urls, signedInUser: user }) => {
    const calls = recordServiceCalls(page, urls);
    // The test host page takes the box's attributes from its query.
    await openShowingUser(page, `${urls.mail}/?view-max-age=0`, user);
    await openShowingUser(page, `${urls.mail}/?view-max-age=0`, user);
    expect(calls).toEqual(['GET /api/me', 'GET /api/me']);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('userbox:')))).toEqual([]);
  });
});

test.describe('the service unreachable at page load (the bundle from the cache)', () => {
  test('a reload shows the kept user within 2 s, keeps retrying, and recovers by itself', async ({ page, urls, signedInUser: user }) => {
    const { account } = await openShowingUser(page, `${urls.mail}/`, user);
    await page.route(`${urls.service}/api/**`, (route) => route.abort('connectionrefused'));
    const started = Date.now();
    await page.reload();
    await expect(account).toBeVisible({ timeout: 2000 });
    expect(Date.now() - started).toBeLessThan(2000);
    // Up again: the retries (1 s, 2 s, …) reach it without a reload or a focus.
    const calls = recordServiceCalls(page, urls);
    await page.unroute(`${urls.service}/api/**`);
    await expect.poll(() => calls.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await expect(account).toBeVisible();
  });

  test('with nothing kept, shows Sign in within 2 s (not an endless placeholder), then the user once it is back', async ({ page, urls, signedInUser: user }) => {
    await page.route(`${urls.service}/api/**`, (route) => route.abort('connectionrefused'));
    const box = page.locator('user-box');
    await page.goto(`${urls.mail}/`);
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible({ timeout: 2000 });
    await page.unroute(`${urls.service}/api/**`);
    await expect(box.getByRole('button', { name: `Account: ${user.name}` })).toBeVisible({ timeout: 10_000 });
  });

  test('a service that does not answer at all: Sign in within 2 s, then the user once it answers', async ({ page, urls, signedInUser: user }) => {
    const release = await holdRequests(page, `${urls.service}/api/me`);
    // Timed in the page, from the element's definition to the first frame with Sign in: the box's own 2 s rule,
    // which a test polling from outside would measure only to the grain of its polls.
    await page.addInitScript(() => {
      const w = window as unknown as { definedAt?: number; signInAt?: number };
      void customElements.whenDefined('user-box').then(() => (w.definedAt = performance.now()));
      const look = () => {
        if (document.querySelector('user-box')?.shadowRoot?.querySelector('[part=sign-in]')) w.signInAt = performance.now();
        else requestAnimationFrame(look);
      };
      requestAnimationFrame(look);
    });
    const box = page.locator('user-box');
    await page.goto(`${urls.mail}/`);
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible({ timeout: 5000 });
    const { definedAt, signInAt } = await page.evaluate(() => {
      const w = window as unknown as { definedAt: number; signInAt: number };
      return { definedAt: w.definedAt, signInAt: w.signInAt };
    });
    // The 2 s (the box waits 1.5 s, which leaves a loaded machine's late timer and the render room).
    expect(signInAt - definedAt).toBeLessThan(2000);
    release();
    await expect(box.getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();
  });

  test('a stale kept view is not shown once the sync cookie changed (signed out meanwhile), even when down', async ({ page, context, urls, signedInUser: user }) => {
    await openShowingUser(page, `${urls.mail}/`, user);
    await signOutThroughBox(context, `${urls.news}/`, user);
    await page.route(`${urls.service}/api/**`, (route) => route.abort('connectionrefused'));
    await page.goto(`${urls.mail}/`);
    await expect(page.locator('user-box').getByRole('link', { name: 'Sign in' })).toBeVisible({ timeout: 2000 });
  });
});

test.describe('a repeat page view on another site (token mode)', () => {
  test('within the access token’s life a repeat view in the tab asks nothing; a focus asks /api/me', async ({ page, urls, signedInUser: user }) => {
    await recordFirstRender(page);
    await openShowingUser(page, `${urls.shop}/`, user);
    const calls = recordServiceCalls(page, urls);
    for (const address of [`${urls.shop}/cart`, `${urls.shop}/`]) await openShowingUser(page, address, user);
    expect(calls).toEqual([]);
    // Focus: the cheap check that shows a sign-out on another site.
    await page.evaluate(() => dispatchEvent(new Event('focus')));
    await expect.poll(() => calls).toEqual(['GET /api/me']);
  });

  test('a repeat view in the tab shows the kept user with no layout shift (CLS 0)', async ({ page, urls, signedInUser: user }) => {
    const { box } = await openShowingUser(page, `${urls.shop}/`, user);
    const size = await box.boundingBox();
    await recordLayoutShift(page);
    await openShowingUser(page, `${urls.shop}/cart`, user);
    expect(await box.boundingBox()).toEqual(size);
    expect(await layoutShift(page)).toBe(0);
  });

  test('a new tab asks the service for one token only: the app list comes from the browser’s cache', async ({ services, urls, user }, testInfo) => {
    // Chromium keeps nothing in its HTTP cache from a server whose certificate it had to overlook (the projects'
    // ignoreHTTPSErrors): this browser trusts the test certificate instead, as one trusts a real one.
    const { launchOptions } = testInfo.project.use;
    const browser = await chromium.launch({
      executablePath: launchOptions?.executablePath,
      args: [...(launchOptions?.args ?? []), `--ignore-certificate-errors-spki-list=${services.certSpki}`],
    });
    try {
      const context = await browser.newContext();
      await signIn(context, urls, user);
      await openShowingUser(await context.newPage(), `${urls.shop}/`, user);
      const tab = await context.newPage();
      // Chromium says which answers came from its cache; a request event alone does not.
      const cdp = await context.newCDPSession(tab);
      await cdp.send('Network.enable');
      const answered: string[] = [];
      cdp.on('Network.responseReceived', ({ response }) => {
        const url = new URL(response.url);
        if (url.origin === urls.service && /^\/(api\/|token$)/.test(url.pathname)) {
          answered.push(`${url.pathname} ${response.fromDiskCache || response.fromPrefetchCache ? 'from the cache' : 'by the service'}`);
        }
      });
      await openShowingUser(tab, `${urls.shop}/cart`, user);
      await expect.poll(() => answered.sort()).toEqual(['/api/apps from the cache', '/token by the service']);
    } finally {
      await browser.close();
    }
  });

  test('a sign-out at the service shows at the next focus, and the next view does not show the kept user', async ({ page, context, urls, signedInUser: user }) => {
    const { box } = await openShowingUser(page, `${urls.shop}/`, user);
    await openShowingUser(page, `${urls.shop}/cart`, user);
    const service = await context.newPage();
    await service.goto(`${urls.service}/account`);
    await service.getByRole('button', { name: 'Sign out everywhere' }).click();
    await expect(service).toHaveURL(`${urls.service}/login`);
    await page.bringToFront();
    await page.evaluate(() => dispatchEvent(new Event('focus')));
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
    await recordFirstRender(page);
    await page.goto(`${urls.shop}/`);
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
    expect(await firstRender(page)).not.toBe('account button');
  });
});
