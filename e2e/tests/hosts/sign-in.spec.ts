import { expect, test } from '../../support/fixtures.js';
import { openShowingUser } from '../../support/widget.js';

// Shared by every host example: each host-* project runs this file against its own host (`hostUrl`).

test('signed out shows Sign in', async ({ page, hostUrl, urls }) => {
  await page.goto(`${hostUrl}/`);
  const signInLink = page.locator('user-box').getByRole('link', { name: 'Sign in' });
  await expect(signInLink).toBeVisible();
  await expect(signInLink).toHaveAttribute('href', new RegExp(`^${urls.service}/`));
  await expect(page.locator('user-box').getByRole('button', { name: /^Account: / })).toHaveCount(0);
});

test('sign in returns here and shows the name', async ({ page, context, hostUrl, user }) => {
  await page.goto(`${hostUrl}/`);
  const box = page.locator('user-box');
  await box.getByRole('link', { name: 'Sign in' }).click();

  // The service's own login form, whatever route the host's box took to it.
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page).toHaveURL((url) => url.origin === hostUrl && url.pathname === '/');
  await expect(box.getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();
  // Another load of the page knows the user too. (A new tab: a server-rendered host may be re-rendering this one.)
  const again = await context.newPage();
  await again.goto(`${hostUrl}/`);
  await expect(again.locator('user-box').getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();
});

test('sign out shows everywhere', async ({ context, hostUrl, urls, signedInUser: user }) => {
  const host = await context.newPage();
  const { box: hostBox, account: hostAccount } = await openShowingUser(host, `${hostUrl}/`, user);

  // Another app of the family in the same browser: the test-only Mail pages, same site as the service.
  const other = await context.newPage();
  const { box: otherBox } = await openShowingUser(other, `${urls.mail}/`, user);

  await host.bringToFront();
  await hostAccount.click();
  await hostBox.getByRole('menuitem', { name: 'Sign out', exact: true }).click();
  await expect(hostBox.getByRole('link', { name: 'Sign in' })).toBeVisible();

  // The other app learns it when its tab comes back (headless tabs are all "visible": send the tab-switch event).
  await other.bringToFront();
  await other.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await expect(otherBox.getByRole('link', { name: 'Sign in' })).toBeVisible();
  // And after a reload, both still show it: the session is over at the service, not just in one page.
  await other.reload();
  await expect(otherBox.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await host.reload();
  await expect(hostBox.getByRole('link', { name: 'Sign in' })).toBeVisible();
});
