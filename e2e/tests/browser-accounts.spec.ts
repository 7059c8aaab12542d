import { AxeBuilder } from '@axe-core/playwright';
import { expect, signInAccounts, test } from '../support/fixtures.js';
import { serverHtml } from '../support/server-html.js';

// Several accounts in one browser, as the service and the server-rendered hosts see them (issue 14). The box's
// own account list is the widget's (widget-*.spec.ts).

test.describe('several accounts in one browser', () => {
  for (const [label, host] of [['Express SSR', 'ssr'], ['Python', 'python']] as const) {
    test(`the account chooser from the ${label} host: choose A, Switch account to B, then a userbox-switch back to A; the server renders each`, async ({ page, context, urls, makeUser, services }) => {
      if (host === 'python' && services.missingHosts.python) throw new Error(`the python host is not running: ${services.missingHosts.python}`);
      const origin = urls[host];
      const cspReports: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspReports.push(message.text());
      });
      const a = await makeUser({ name: 'Ada Chooser' });
      const b = await makeUser({ name: 'Bob Chooser' });
      await signInAccounts(context, urls, [a, b]);

      // Two accounts and none used by this app yet: the service asks which.
      await page.goto(`${origin}/orders`);
      await expect(page).toHaveURL((url) => url.origin === urls.service && url.pathname === '/authorize');
      await expect(page.getByRole('heading', { level: 1, name: 'Choose an account' })).toBeVisible();
      await expect(page.getByRole('link', { name: /Use another account/ })).toBeVisible();
      await expect(page.getByRole('list', { name: 'Accounts signed in on this browser' }).getByRole('link')).toHaveCount(2);
      expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);
      // From the keyboard: the first account link is reachable with Tab and chosen with Enter.
      const linkA = page.getByRole('link', { name: `${a.name} ${a.email}` });
      await linkA.focus();
      await expect(linkA).toBeFocused();
      await page.keyboard.press('Enter');
      await expect(page).toHaveURL(`${origin}/orders`);
      await expect(page.getByText(`Signed in as ${a.email}`)).toBeVisible();

      // "Switch account": the chooser again (prompt=select_account), this time B. The box on this other site may
      // first make its own top-level bounce (token mode): let the page settle, or that bounce cancels the click's.
      await page.waitForLoadState('networkidle');
      await page.getByRole('link', { name: 'Switch account' }).click();
      await expect(page.getByRole('heading', { level: 1, name: 'Choose an account' })).toBeVisible();
      await page.getByRole('link', { name: `${b.name} ${b.email}` }).click();
      await expect(page).toHaveURL(`${origin}/orders`);
      await expect(page.getByText(`Signed in as ${b.email}`)).toBeVisible();
      // The page's scripts (the box's token mode, userbox-host-sync.js) may still make a round trip of their own,
      // which replaces the host session: ask the server once the page has settled.
      await page.waitForLoadState('networkidle');
      const html = await serverHtml(context, `${origin}/`);
      expect(html.body).toContain(`<h1>Hello, ${b.name}</h1>`);
      expect(html.body).not.toContain(a.name);

      // A switch in the box: it fires userbox-switch with the chosen account, and the page's own script
      // (/account-switch.js) has the server sign in as that account by login_hint, with no chooser in between.
      // The box on this other site may make its own top-level bounce first (token mode): let the page settle.
      await page.waitForLoadState('networkidle');
      await expect(async () => {
        await page.evaluate((sub) => {
          document.body.dispatchEvent(new CustomEvent('userbox-switch', { detail: { user: { id: sub } }, bubbles: true, composed: true }));
        }, a.id);
      }).toPass();
      await expect(page).toHaveURL(`${origin}/orders`);
      await expect(page.getByText(`Signed in as ${a.email}`)).toBeVisible();
      await page.waitForLoadState('networkidle');
      expect((await serverHtml(context, `${origin}/`)).body).toContain(`<h1>Hello, ${a.name}</h1>`);
      // The chooser, the service's pages and the host's switch script all ran under their strict policies.
      expect(cspReports).toEqual([]);
    });
  }

  test('a sixth account is refused on the sign-in page with the reason', async ({ page, context, urls, makeUser }) => {
    const five = [];
    for (let i = 0; i < 5; i += 1) five.push(await makeUser({ name: `Person ${i + 1}` }));
    const sixth = await makeUser({ name: 'Person 6' });
    await signInAccounts(context, urls, five);

    await page.goto(`${urls.service}/login?add=1&return_to=${encodeURIComponent(`${urls.service}/account`)}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Add another account' })).toBeVisible();
    expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);
    await page.getByLabel('Email').fill(sixth.email);
    await page.getByLabel('Password').fill(sixth.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('This browser is already signed in to 5 accounts. Sign out of one of them to add another.');

    // The five are all still there, on the account page.
    await page.goto(`${urls.service}/account`);
    for (const user of five) await expect(page.getByRole('button', { name: `Sign out of ${user.name} (${user.email})` })).toBeVisible();
  });
});
