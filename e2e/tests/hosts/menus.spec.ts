import { expect, test } from '../../support/fixtures.js';
import { openShowingUser } from '../../support/widget.js';

// Shared by every host example: each host-* project runs this file against its own host (`hostUrl`).

test('menu by keyboard', async ({ page, hostUrl, signedInUser: user }) => {
  const { box, account } = await openShowingUser(page, `${hostUrl}/`, user);
  const menu = box.getByRole('menu', { name: `Account: ${user.name}` });
  const manage = box.getByRole('menuitem', { name: 'Manage your account' });
  const signOut = box.getByRole('menuitem', { name: 'Sign out', exact: true });

  await account.focus();
  await page.keyboard.press('Enter');
  await expect(menu).toBeVisible();
  await expect(account).toHaveAttribute('aria-expanded', 'true');
  await expect(manage).toBeFocused();
  await expect(box.getByText(user.email)).toBeVisible();

  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(account).toBeFocused();

  await page.keyboard.press('ArrowDown');
  await expect(manage).toBeFocused();
  // A fresh account is unverified: with the service's cookie (not token mode: the resend needs the cookie), "Send
  // a new link" comes next.
  const resend = box.getByRole('menuitem', { name: 'Send a new link' });
  if ((await resend.count()) > 0) {
    await page.keyboard.press('ArrowDown');
    await expect(resend).toBeFocused();
  }
  // Then Add another account (the service's site) or Switch account (token mode on another site), then Sign out.
  await page.keyboard.press('ArrowDown');
  await expect(box.getByRole('menuitem', { name: /^(Add another account|Switch account)$/ })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(signOut).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(menu).toBeHidden();
  await expect(account).toHaveAttribute('aria-expanded', 'false');
});

test('launcher lists the family', async ({ page, hostUrl, signedInUser: user, apps }) => {
  const { box } = await openShowingUser(page, `${hostUrl}/`, user);
  const launcher = box.getByRole('button', { name: 'Apps' });
  await launcher.focus();
  await page.keyboard.press('Enter');
  const list = box.getByRole('menu', { name: 'Apps' });
  await expect(list).toBeVisible();

  // Every registered app by name, in the registry's order, each linking to its own address.
  await expect(list).toMatchAriaSnapshot(
    ['- menu "Apps":', '  - /children: equal', ...apps.map((app) => `  - menuitem ${JSON.stringify(app.name)}`)].join('\n'),
  );
  for (const app of apps) await expect(list.getByRole('menuitem', { name: app.name, exact: true })).toHaveAttribute('href', app.url);
  // This host is the current app.
  const here = apps.find((app) => new URL(app.url).origin === hostUrl);
  expect(here, `${hostUrl} is registered`).toBeDefined();
  await expect(list.getByRole('menuitem', { name: here!.name, exact: true })).toHaveAttribute('aria-current', 'true');
  await expect(list.locator('[aria-current]')).toHaveCount(1);

  await page.keyboard.press('Escape');
  await expect(list).toBeHidden();
  await expect(launcher).toBeFocused();
});
