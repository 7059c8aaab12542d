import type { Page } from '@playwright/test';
import { expect, signIn, test } from '../support/fixtures.js';
import { openShowingUser, pageRecord, recordPageEvents, signOutThroughBox, type UserBoxApi } from '../support/widget.js';

function refresh(page: Page): Promise<void> {
  return page.evaluate(() => document.querySelector<HTMLElement & UserBoxApi>('user-box')!.refresh());
}

test.describe('<user-box> across tabs', () => {
  test('signing out in one tab updates the other tabs of the app at once (BroadcastChannel)', async ({ context, urls, signedInUser: user }) => {
    const [first, second] = [await context.newPage(), await context.newPage()];
    const { box, account } = await openShowingUser(first, `${urls.mail}/`, user);
    await openShowingUser(second, `${urls.mail}/`, user);
    await account.click();
    await box.getByRole('menuitem', { name: 'Sign out', exact: true }).click();
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
    // No reload, no focus: the other tab hears it.
    await expect(second.locator('user-box').getByRole('link', { name: 'Sign in' })).toBeVisible();

    // And the other way: a tab that learns of a new user tells the rest.
    await signIn(context, urls, user);
    await first.reload();
    await expect(account).toBeVisible();
    await expect(second.locator('user-box').getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();
  });

  test('another app on the same site rechecks when its tab comes back (visibilitychange/focus)', async ({ context, urls, signedInUser: user }) => {
    const news = await context.newPage();
    const { box: newsBox } = await openShowingUser(news, `${urls.news}/`, user);
    await signOutThroughBox(context, `${urls.mail}/`, user);

    // BroadcastChannel does not cross origins; the News tab catches up as soon as the user returns to it.
    // Headless tabs are all "visible", so the test sends the event the browser sends on a tab switch.
    await news.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await expect(newsBox.getByRole('link', { name: 'Sign in' })).toBeVisible();
  });
});

test.describe('<user-box> when the service fails', () => {
  test('service stopped mid-session: keeps the user shown, warns once, reports, retries and recovers', async ({ page, urls, signedInUser: user }) => {
    await recordPageEvents(page);
    const warnings: string[] = [];
    page.on('console', (msg) => msg.type() === 'warning' && warnings.push(msg.text()));
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const { box, account } = await openShowingUser(page, `${urls.mail}/`, user);

    // First the connection fails, then the service answers 503: the box keeps retrying through both.
    let failures = 0;
    await page.route(`${urls.service}/api/me`, async (route) => {
      failures += 1;
      if (failures === 1) return route.abort('connectionrefused');
      return route.fulfill({
        status: 503,
        headers: { 'access-control-allow-origin': urls.mail, 'access-control-allow-credentials': 'true' },
        json: { error: { code: 'UNAVAILABLE', message: 'Down for maintenance' } },
      });
    });
    await refresh(page); // resolves, does not reject
    await expect(account).toBeVisible();
    await expect.poll(() => failures, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    await expect(account).toBeVisible();
    await expect(box.getByRole('link', { name: 'Sign in' })).toHaveCount(0);

    const record = await pageRecord(page);
    expect(record.userboxEvents.filter((e) => e.type === 'userbox-error').length).toBeGreaterThanOrEqual(3);
    expect(record.userboxEvents.filter((e) => e.type === 'userbox-change')).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('[user-box]'))).toEqual([
      expect.stringContaining(`${urls.service} unreachable`),
    ]);
    expect(record.unhandled).toEqual([]);
    expect(errors).toEqual([]);

    // The service comes back: the next retry gets through, and the box follows the service again.
    const recovered = page.waitForResponse((res) => res.url() === `${urls.service}/api/me` && res.status() === 200);
    await page.unroute(`${urls.service}/api/me`);
    await recovered;
    await page.evaluate(() => document.querySelector<HTMLElement & UserBoxApi>('user-box')!.signOut());
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
  });

  test('service down at page load, nothing kept: Sign in at once (never an endless placeholder), then the user when it is back', async ({ page, urls, signedInUser: user }) => {
    await recordPageEvents(page);
    let failures = 0;
    let release!: () => void;
    const serviceBack = new Promise<void>((resolve) => (release = resolve));
    await page.route(`${urls.service}/api/me`, async (route) => {
      failures += 1;
      if (failures > 1) {
        await serviceBack;
        return route.continue();
      }
      return route.fulfill({
        status: 500,
        headers: { 'access-control-allow-origin': urls.mail, 'access-control-allow-credentials': 'true' },
        json: { error: { code: 'INTERNAL' } },
      });
    });
    await page.goto(`${urls.mail}/`);
    const box = page.locator('user-box');
    await expect.poll(async () => (await pageRecord(page)).userboxEvents.length).toBe(1);
    // Issue 19: what the box knows without the service is that it cannot show a user: Sign in, not a grey circle.
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible({ timeout: 2000 });
    await expect(box.getByRole('img', { name: 'Loading account' })).toHaveCount(0);
    await expect(box.getByRole('alert')).toHaveCount(0);

    release();
    await expect(box.getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();
    const record = await pageRecord(page);
    expect(record.userboxEvents.map((e) => e.type)).toEqual(['userbox-error', 'userbox-change']);
    expect(record.userboxEvents[0]!.detail).toEqual({ error: 'SessionError' });
    expect(record.unhandled).toEqual([]);
  });
});

test.describe('<user-box> launcher when /api/apps fails', () => {
  test('opens empty, reports the error, and asks again on the next open', async ({ page, urls, apps }) => {
    await recordPageEvents(page);
    let calls = 0;
    await page.route(`${urls.service}/api/apps`, async (route) => {
      calls += 1;
      if (calls > 1) return route.continue();
      return route.fulfill({
        status: 503,
        headers: { 'access-control-allow-origin': urls.mail, 'access-control-allow-credentials': 'true' },
        json: { error: { code: 'UNAVAILABLE' } },
      });
    });
    await page.goto(`${urls.mail}/`);
    const box = page.locator('user-box');
    const launcher = box.getByRole('button', { name: 'Apps' });
    await launcher.click();
    await expect(launcher).toHaveAttribute('aria-expanded', 'true');
    await expect(box.getByRole('menuitem')).toHaveCount(0);
    await expect.poll(async () => (await pageRecord(page)).userboxEvents.map((e) => e.type)).toContain('userbox-error');
    await page.keyboard.press('Escape');
    await expect(launcher).toHaveAttribute('aria-expanded', 'false');

    await launcher.click();
    await expect(box.getByRole('menu', { name: 'Apps' }).getByRole('menuitem')).toHaveCount(apps.length);
    expect((await pageRecord(page)).unhandled).toEqual([]);
  });
});
