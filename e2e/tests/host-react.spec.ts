import { expect, signIn, test } from '../support/fixtures.js';

// What only the React host does: its content follows the box's userbox-change event, without a reload.

test.describe('the React host example', () => {
  test('the dashboard appears on userbox-change and goes on sign-out, with no reload', async ({ page, context, urls, user }) => {
    await page.goto(`${urls.react}/`);
    const box = page.locator('user-box');
    const dashboard = page.getByRole('heading', { name: `Your dashboard, ${user.name}` });
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
    await expect(page.getByText('Sign in to see your dashboard')).toBeVisible();
    await expect(dashboard).toHaveCount(0);
    // Survives only as long as the document does: a reload would wipe it.
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));

    // Signed in elsewhere in the browser; the box finds out when the tab comes back, and React follows its event.
    await signIn(context, urls, user);
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await expect(dashboard).toBeVisible();
    await expect(page.getByText('Sign in to see your dashboard')).toHaveCount(0);

    await box.getByRole('button', { name: `Account: ${user.name}` }).click();
    await box.getByRole('menuitem', { name: 'Sign out', exact: true }).click();
    await expect(dashboard).toHaveCount(0);
    await expect(page.getByText('Sign in to see your dashboard')).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  });

  test('one build, any service: the server tells the app where the service is, on every route', async ({ page, urls, signedInUser: user }) => {
    // A deep link into the single-page app gets the app too (the server falls back to index.html).
    await page.goto(`${urls.react}/reports/2026`);
    await expect(page.locator('meta[name="userbox-service"]')).toHaveAttribute('content', urls.service);
    expect(await page.locator('user-box').evaluate((el) => (el as HTMLElement & { service: string }).service)).toBe(urls.service);
    await expect(page.getByRole('heading', { name: `Your dashboard, ${user.name}` })).toBeVisible();
  });
});
