import { expect, signIn, test } from '../support/fixtures.js';
import { holdRequests, openShowingUser, pageRecord, recordPageEvents, type UserBoxApi } from '../support/widget.js';

test.describe('<user-box> account menu and app launcher', () => {
  test('the account menu follows the menu-button pattern from the keyboard', async ({ page, urls, signedInUser: user }) => {
    const { box, account } = await openShowingUser(page, `${urls.mail}/`, user);
    const menu = box.getByRole('menu', { name: `Account: ${user.name}` });
    const manage = box.getByRole('menuitem', { name: 'Manage your account' });
    const signOut = box.getByRole('menuitem', { name: 'Sign out', exact: true });
    const signOutAll = box.getByRole('menuitem', { name: 'Sign out of all devices' });

    await expect(account).toHaveAttribute('aria-haspopup', 'menu');
    await expect(account).toHaveAttribute('aria-expanded', 'false');

    // Enter, Space and ArrowDown each open the menu on its first item; Escape closes it and returns focus.
    for (const key of ['Enter', ' ', 'ArrowDown']) {
      await account.focus();
      await page.keyboard.press(key);
      await expect(menu).toBeVisible();
      await expect(account).toHaveAttribute('aria-expanded', 'true');
      await expect(manage).toBeFocused();
      await expect(manage).toHaveAttribute('href', `${urls.service}/account?lang=en`);
      await expect(box.getByText(user.email)).toBeVisible();
      await page.keyboard.press('Escape');
      await expect(menu).toBeHidden();
      await expect(account).toBeFocused();
    }

    // ArrowUp opens on the last item; arrows wrap; Home and End jump.
    await page.keyboard.press('ArrowUp');
    await expect(signOutAll).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(manage).toBeFocused();
    await page.keyboard.press('ArrowUp');
    await expect(signOutAll).toBeFocused();
    await page.keyboard.press('ArrowUp');
    await expect(signOut).toBeFocused();
    await page.keyboard.press('Home');
    await expect(manage).toBeFocused();
    await page.keyboard.press('End');
    await expect(signOutAll).toBeFocused();

    // Tab leaves the menu and closes it.
    await page.keyboard.press('Tab');
    await expect(menu).toBeHidden();
    await expect(account).toHaveAttribute('aria-expanded', 'false');
    await expect(box.getByRole('menuitem')).toHaveCount(0);
  });

  test('a click opens the menu, a click outside closes it', async ({ page, urls, signedInUser: user }) => {
    const { box, account } = await openShowingUser(page, `${urls.mail}/`, user);
    await account.click();
    const menu = box.getByRole('menu');
    await expect(menu).toBeVisible();
    await page.getByRole('heading', { name: 'Mail' }).click();
    await expect(menu).toBeHidden();
    // The button toggles, too.
    await account.click();
    await expect(menu).toBeVisible();
    await account.click();
    await expect(menu).toBeHidden();
  });

  test('custom items from the menu-items slot join the menu and the arrow keys', async ({ page, urls, signedInUser: user }) => {
    const { box, account } = await openShowingUser(page, `${urls.mail}/?items`, user);
    await account.press('ArrowDown');
    // The accessibility tree's order, which is what a screen reader announces (slotted items sit in place).
    await expect(box.getByRole('menu')).toMatchAriaSnapshot(`
      - 'menu "Account: ${user.name}"':
        - menuitem "Manage your account"
        - menuitem "Send a new link"
        - menuitem "Add another account"
        - menuitem "Help"
        - menuitem "Send feedback"
        - menuitem "Sign out"
        - menuitem "Sign out of all devices"
    `);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect(box.getByRole('menuitem', { name: 'Help' })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(box.getByRole('menuitem', { name: 'Send feedback' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(account).toBeFocused();
  });

  test('the launcher keeps its focus while the box loads: the same button, before and after the user shows', async ({ page, urls, signedInUser: user }) => {
    const release = await holdRequests(page, `${urls.service}/api/me`);
    await page.goto(`${urls.mail}/`);
    const box = page.locator('user-box');
    const launcher = box.getByRole('button', { name: 'Apps' });
    await launcher.focus();
    await expect(launcher).toBeFocused();
    release();
    await expect(box.getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();
    await expect(launcher).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(box.getByRole('menu', { name: 'Apps' })).toBeVisible();
  });

  test('the launcher lists the registered apps with icons and marks the current one', async ({ page, urls, signedInUser: user, apps: registered }) => {
    await page.goto(`${urls.mail}/`);
    const box = page.locator('user-box');
    const launcher = box.getByRole('button', { name: 'Apps' });
    await expect(launcher).toHaveAttribute('aria-haspopup', 'menu');
    await launcher.focus();
    await page.keyboard.press('Enter');
    const apps = box.getByRole('menu', { name: 'Apps' });
    await expect(apps).toBeVisible();
    await expect(apps).toMatchAriaSnapshot(`
      - menu "Apps":
        - menuitem "News"
        - menuitem "Mail"
        - menuitem "Calendar"
    `);
    const news = apps.getByRole('menuitem', { name: 'News' });
    await expect(news).toBeFocused();
    await expect(news).toHaveAttribute('href', `${urls.news}/`);
    await expect(apps.getByRole('menuitem', { name: 'Mail' })).toHaveAttribute('aria-current', 'true');
    await expect(news).not.toHaveAttribute('aria-current');
    // Registered icons are images; an app without one gets a generic tile, not a broken image.
    await expect(news.locator('img')).toHaveAttribute('src', `${urls.service}/assets/icons/news.svg`);
    await expect(apps.getByRole('menuitem', { name: 'Mail' }).locator('img')).toHaveAttribute('src', `${urls.mail}/icons/mail.svg`);
    await expect(apps.getByRole('menuitem', { name: 'Calendar' }).locator('img')).toHaveCount(0);

    await page.keyboard.press('ArrowRight');
    await expect(apps.getByRole('menuitem', { name: 'Mail' })).toBeFocused();
    await page.keyboard.press('End');
    await expect(apps.getByRole('menuitem', { name: registered.at(-1)!.name, exact: true })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(apps).toBeHidden();
    await expect(launcher).toBeFocused();

    // Opening one popup closes the other.
    await launcher.click();
    await expect(apps).toBeVisible();
    await box.getByRole('button', { name: `Account: ${user.name}` }).click();
    await expect(apps).toBeHidden();
    await expect(box.getByRole('menu', { name: `Account: ${user.name}` })).toBeVisible();
  });

  test('the launcher is there for signed-out visitors too, and hide-launcher removes it', async ({ page, urls, apps }) => {
    await page.goto(`${urls.mail}/`);
    const box = page.locator('user-box');
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
    await box.getByRole('button', { name: 'Apps' }).click();
    await expect(box.getByRole('menu', { name: 'Apps' }).getByRole('menuitem')).toHaveCount(apps.length);

    await page.goto(`${urls.mail}/?hide-launcher`);
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
    await expect(box.getByRole('button', { name: 'Apps' })).toHaveCount(0);
  });

  test('Sign out ends the session, fires userbox-signout and userbox-change, and moves focus to Sign in', async ({ page, urls, signedInUser: user }) => {
    await recordPageEvents(page);
    const { box, account } = await openShowingUser(page, `${urls.mail}/`, user);
    // Manage your account, Send a new link (the fresh account is unverified), Add another account, Sign out.
    await account.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect(box.getByRole('menuitem', { name: 'Sign out', exact: true })).toBeFocused();
    await page.keyboard.press('Enter');
    const signInLink = box.getByRole('link', { name: 'Sign in' });
    await expect(signInLink).toBeFocused();
    await expect(signInLink).toHaveAttribute('href', `${urls.service}/login?return_to=${encodeURIComponent(`${urls.mail}/`)}&lang=en`);

    const { userboxEvents } = await pageRecord(page);
    expect(userboxEvents).toEqual([
      { type: 'userbox-change', detail: { user: expect.objectContaining({ id: user.id, name: user.name, email: user.email }) } },
      // Told once the service has ended the session, then what the browser has left: nobody here.
      { type: 'userbox-signout', detail: { everywhere: false, all: false } },
      { type: 'userbox-change', detail: { user: null } },
    ]);
    await page.reload();
    await expect(signInLink).toBeVisible();
  });

  test('Sign out of all devices ends the user\'s other sessions too', async ({ page, browser, urls, signedInUser: user }) => {
    const otherDevice = await browser.newContext();
    await signIn(otherDevice, urls, user);
    const otherPage = await otherDevice.newPage();
    const { box: otherBox } = await openShowingUser(otherPage, `${urls.mail}/`, user);

    await recordPageEvents(page);
    const { box, account } = await openShowingUser(page, `${urls.mail}/`, user);
    await account.click();
    await box.getByRole('menuitem', { name: 'Sign out of all devices' }).click();
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
    expect((await pageRecord(page)).userboxEvents.slice(-2)).toEqual([
      { type: 'userbox-signout', detail: { everywhere: true, all: false } },
      { type: 'userbox-change', detail: { user: null } },
    ]);

    await otherPage.reload();
    await expect(otherBox.getByRole('link', { name: 'Sign in' })).toBeVisible();
    await otherDevice.close();
  });

  test('the host drives it: refresh(), signOut({ everywhere }) and return-to', async ({ page, context, urls, user }) => {
    await page.goto(`${urls.mail}/?return-to=${encodeURIComponent(`${urls.mail}/welcome`)}`);
    const box = page.locator('user-box');
    await expect(box.getByRole('link', { name: 'Sign in' })).toHaveAttribute(
      'href',
      `${urls.service}/login?return_to=${encodeURIComponent(`${urls.mail}/welcome`)}&lang=en`,
    );
    await signIn(context, urls, user);
    await page.evaluate(() => document.querySelector<HTMLElement & UserBoxApi>('user-box')!.refresh());
    await expect(box.getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();
    await page.evaluate(() => document.querySelector<HTMLElement & UserBoxApi>('user-box')!.signOut({ everywhere: false }));
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
  });
});
