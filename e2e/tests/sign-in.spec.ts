import { expect, test } from '../support/fixtures.js';

test.describe('signing in from a host page', () => {
  test('signed out → sign in → the box shows the name → keyboard menu → sign out', async ({ page, urls, user, context }) => {
    await page.goto(`${urls.news}/`);
    const box = page.locator('user-box');
    const signIn = box.getByRole('link', { name: 'Sign in' });
    await expect(signIn).toBeVisible();

    await signIn.click();
    await expect(page).toHaveURL(`${urls.service}/login?return_to=${encodeURIComponent(`${urls.news}/`)}&lang=en`);
    // The page's deferred scripts first: once, in CI, a click on Sign in while they were still loading submitted
    // nothing, not even a request (the trace shows the click done and no navigation; cause not pinned down).
    await page.waitForLoadState('load');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page).toHaveURL(`${urls.news}/`);
    const account = box.getByRole('button', { name: `Account: ${user.name}` });
    await expect(account).toBeVisible();
    await expect(account).toHaveText('AL');

    const cookies = await context.cookies(urls.service);
    expect(cookies.filter((c) => c.name.includes('session'))).toEqual([
      expect.objectContaining({ name: '__Host-userbox_session', httpOnly: true, secure: true, sameSite: 'Lax' }),
    ]);
    // Every cookie the service sets is host-bound and out of reach of scripts, but the site-wide sync signal:
    // a random value the boxes of the site's other apps watch, naming nobody.
    const sync = cookies.filter((c) => c.name === 'userbox_sync');
    const others = cookies.filter((c) => c.name !== 'userbox_sync');
    for (const c of others) expect(c).toMatchObject({ name: expect.stringMatching(/^__Host-/), httpOnly: true, secure: true, path: '/' });
    expect(sync).toEqual([expect.objectContaining({ domain: '.example.test', httpOnly: false, secure: true, sameSite: 'Lax' })]);
    expect(sync[0]!.value).not.toContain(user.id);

    await account.focus();
    await page.keyboard.press('Enter');
    await expect(account).toHaveAttribute('aria-expanded', 'true');
    const menu = box.getByRole('menu');
    await expect(menu).toBeVisible();
    await expect(box.getByText(user.email)).toBeVisible();
    await expect(box.getByRole('menuitem', { name: 'Manage your account' })).toBeFocused();

    await page.keyboard.press('Escape');
    await expect(menu).toBeHidden();
    await expect(account).toBeFocused();

    // ArrowDown opens the menu on its first item; then "Send a new link" (the fresh account is unverified), "Add
    // another account", then "Sign out".
    await page.keyboard.press('ArrowDown');
    await expect(box.getByRole('menuitem', { name: 'Manage your account' })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(box.getByRole('menuitem', { name: 'Send a new link' })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(box.getByRole('menuitem', { name: 'Add another account' })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    const signOut = box.getByRole('menuitem', { name: 'Sign out', exact: true });
    await expect(signOut).toBeFocused();
    await page.keyboard.press('Enter');

    await expect(signIn).toBeVisible();
    await page.reload();
    await expect(signIn).toBeVisible();
  });

  test('a wrong password shows an error on the login page and keeps the user signed out', async ({ page, urls, user }) => {
    await page.goto(`${urls.news}/`);
    await page.locator('user-box').getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill('definitely not it');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
    await expect(page).toHaveURL(`${urls.service}/login`);
    await expect(page.getByLabel('Email')).toHaveValue(user.email);

    await page.goto(`${urls.news}/`);
    await expect(page.locator('user-box').getByRole('link', { name: 'Sign in' })).toBeVisible();
  });

  test('the page hears userbox-change with the user when they appear', async ({ page, urls, user }) => {
    await page.goto(`${urls.service}/login?return_to=${encodeURIComponent(`${urls.news}/`)}`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.addInitScript(() => {
      const seen: unknown[] = [];
      (window as unknown as { userboxEvents: unknown[] }).userboxEvents = seen;
      document.addEventListener('userbox-change', (e) => seen.push((e as CustomEvent).detail));
    });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('user-box').getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();
    const events = await page.evaluate(() => (window as unknown as { userboxEvents: unknown[] }).userboxEvents);
    expect(events).toEqual([{ user: expect.objectContaining({ id: user.id, email: user.email, name: user.name }) }]);
  });
});
