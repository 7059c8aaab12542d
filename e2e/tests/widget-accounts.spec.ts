import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, signInAccounts, test, type TestUser } from '../support/fixtures.js';
import { pageRecord, recordPageEvents } from '../support/widget.js';

// The box's account list (issue 14): switching between the browser's accounts, adding one, signing out one or
// all, in cookie mode on two apps of the service's site and in token mode on another site.

/** The events the box fired on `page`, as `type name` (or `type -` when signed out). */
async function events(page: Page): Promise<string[]> {
  return (await pageRecord(page)).userboxEvents.map(({ type, detail }) => {
    const user = (detail as { user?: { name: string } | null }).user;
    return `${type} ${user === undefined ? JSON.stringify(detail) : (user?.name ?? '-')}`;
  });
}

const accountButton = (page: Page, user: TestUser) => page.locator('user-box').getByRole('button', { name: `Account: ${user.name}` });

test.describe('<user-box> with several accounts', () => {
  test('cookie mode: add B, switch app 1 to B while app 2 stays A, sign out B only, then all accounts', async ({ page, context, urls, makeUser }) => {
    const a = await makeUser({ name: 'Ada Switcher' });
    const b = await makeUser({ name: 'Bob Switcher' });
    const c = await makeUser({ name: 'Cy Switcher' });
    const app1 = `${urls.mail}/?csp`;
    const app2 = `${urls.mail.replace('//mail.', '//calendar.')}/?csp`;
    const switchEvents: unknown[] = [];
    await page.exposeFunction('recordSwitch', (detail: unknown) => switchEvents.push(detail));
    await page.addInitScript(() =>
      document.addEventListener('userbox-switch', (e) => (window as unknown as { recordSwitch(d: unknown): void }).recordSwitch((e as CustomEvent).detail)),
    );
    await recordPageEvents(page);
    await signInAccounts(context, urls, [a]);

    // Add another account: the service's sign-in page in its "add" mode, back to this page, A still shown.
    await page.goto(app1);
    await accountButton(page, a).click();
    const box = page.locator('user-box');
    const add = box.getByRole('menuitem', { name: 'Add another account' });
    await expect(add).toHaveAttribute('href', `${urls.service}/login?add=1&return_to=${encodeURIComponent(app1)}&lang=en`);
    await add.click();
    await expect(page.getByRole('heading', { level: 1, name: 'Add another account' })).toBeVisible();
    await page.getByLabel('Email').fill(b.email);
    await page.getByLabel('Password').fill(b.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(app1);
    await expect(accountButton(page, a)).toBeVisible();

    // App 2 (another origin of the site) in a second tab shows the default account, A.
    const other = await context.newPage();
    await other.goto(app2);
    await expect(accountButton(other, a)).toBeVisible();

    // Switch app 1 to B from the list: no reload, userbox-change and userbox-switch with B's sub.
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await accountButton(page, a).click();
    const bItem = box.getByRole('menuitem', { name: `${b.name} ${b.email}` });
    await expect(bItem).toBeVisible();
    await expect(box.getByRole('menuitem', { name: `${a.name} ${a.email}` })).toHaveCount(0);
    await bItem.click();
    await expect(accountButton(page, b)).toBeVisible();
    await expect(accountButton(page, b)).toBeFocused();
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(switchEvents).toEqual([{ user: expect.objectContaining({ id: b.id, name: b.name, email: b.email }) }]);
    expect((await events(page)).slice(-1)).toEqual([`userbox-change ${b.name}`]);

    // The choice is app 1's: a new tab of it shows B (also on a repeat view, kept or not); app 2 stays A.
    const again = await context.newPage();
    await again.goto(app1);
    await expect(accountButton(again, b)).toBeVisible();
    await other.reload();
    await expect(accountButton(other, a)).toBeVisible();
    await page.goto(app1);
    await expect(accountButton(page, b)).toBeVisible();

    // Sign out B only (the plain Sign out signs out the account the app shows): app 1 falls back to A, and
    // its other tab follows; app 2 still shows A.
    await accountButton(page, b).click();
    await box.getByRole('menuitem', { name: 'Sign out', exact: true }).click();
    await expect(accountButton(page, a)).toBeVisible();
    await expect(accountButton(again, a)).toBeVisible();
    await expect(accountButton(other, a)).toBeVisible();
    await again.close();

    // With C added, one listed account is signed out on its own, and "Sign out of all accounts" ends both apps.
    await signInAccounts(context, urls, [a, c]);
    await page.reload();
    await accountButton(page, a).click();
    await expect(box.getByRole('menuitem', { name: `${b.name} ${b.email}` })).toHaveCount(0);
    await expect(box.getByRole('menuitem', { name: `${c.name} ${c.email}` })).toBeVisible();
    await box.getByRole('menuitem', { name: 'Sign out of all accounts' }).click();
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
    await expect(other.locator('user-box').getByRole('link', { name: 'Sign in' })).toBeVisible();
    expect((await pageRecord(page)).cspViolations).toEqual([]);
  });

  test('cookie mode: a switch in one tab shows in the app\'s other tab, which fires userbox-switch too; another app keeps its account', async ({ context, urls, makeUser }) => {
    const a = await makeUser({ name: 'Ada Twin' });
    const b = await makeUser({ name: 'Bob Twin' });
    await signInAccounts(context, urls, [a, b]);
    const app1 = `${urls.mail}/`;
    const app2 = `${urls.mail.replace('//mail.', '//calendar.')}/`;
    // Every tab records the switch events its box fires.
    await context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { switches: string[] }).switches = seen;
      document.addEventListener('userbox-switch', (e) => seen.push((e as CustomEvent<{ user: { name: string } | null }>).detail.user?.name ?? '-'));
    });
    const switches = (page: Page) => page.evaluate(() => (window as unknown as { switches: string[] }).switches);
    const [page, twin, other] = [await context.newPage(), await context.newPage(), await context.newPage()];
    await page.goto(app1);
    await twin.goto(app1);
    await other.goto(app2);
    for (const p of [page, twin, other]) await expect(accountButton(p, a)).toBeVisible();

    await accountButton(page, a).click();
    await page.locator('user-box').getByRole('menuitem', { name: `${b.name} ${b.email}` }).click();
    await expect(accountButton(page, b)).toBeVisible();
    // The twin follows without a reload or a focus, and tells its page it was a switch.
    await expect(accountButton(twin, b)).toBeVisible();
    expect(await switches(page)).toEqual([b.name]);
    expect(await switches(twin)).toEqual([b.name]);
    // The other app neither follows nor hears of it, even when shown again.
    await other.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await other.waitForLoadState('networkidle');
    await expect(accountButton(other, a)).toBeVisible();
    expect(await switches(other)).toEqual([]);

    // A sign-out that makes the app fall back to A is no switch: no event in either tab.
    await accountButton(page, b).click();
    await page.locator('user-box').getByRole('menuitem', { name: 'Sign out', exact: true }).click();
    await expect(accountButton(page, a)).toBeVisible();
    await expect(accountButton(twin, a)).toBeVisible();
    expect(await switches(page)).toEqual([b.name]);
    expect(await switches(twin)).toEqual([b.name]);
  });

  test('cookie mode: one listed account signed out on its own; the others stay', async ({ page, context, urls, makeUser }) => {
    const a = await makeUser({ name: 'Ada Single' });
    const b = await makeUser({ name: 'Bob Single' });
    await signInAccounts(context, urls, [a, b]);
    await page.goto(`${urls.mail}/`);
    await accountButton(page, a).click();
    const box = page.locator('user-box');
    await box.getByRole('menuitem', { name: `Sign out: ${b.name}` }).click();
    await expect(accountButton(page, a)).toBeFocused();
    await accountButton(page, a).click();
    await expect(box.getByRole('menuitem', { name: `${b.name} ${b.email}` })).toHaveCount(0);
    await expect(box.getByRole('menuitem', { name: 'Sign out of all accounts' })).toHaveCount(0);
    // The service agrees: B is gone from this browser, A is not.
    const me = await page.evaluate(async (service) => (await fetch(`${service}/api/me`, { credentials: 'include' })).json(), urls.service);
    expect(me.accounts.map((x: { name: string }) => x.name)).toEqual([a.name]);
  });

  for (const rtl of [false, true]) {
    test(`the menu from the keyboard with three accounts, and axe finds nothing${rtl ? ' (Arabic, right-to-left)' : ''}`, async ({ page, context, urls, makeUser }) => {
      const users = [await makeUser({ name: 'Ada Keys' }), await makeUser({ name: 'Bob Keys' }), await makeUser({ name: 'Cy Keys' })];
      await signInAccounts(context, urls, users);
      const [a, b, c] = users as [TestUser, TestUser, TestUser];
      await page.goto(`${urls.mail}/?csp${rtl ? '&lang=ar&dir=rtl' : ''}`);
      const box = page.locator('user-box');
      const account = box.getByRole('button', { name: rtl ? `الحساب: ${a.name}` : `Account: ${a.name}` });
      await account.focus();
      await page.keyboard.press('Enter');
      const menu = box.getByRole('menu');
      const t = rtl
        ? { manage: 'إدارة حسابك', resend: 'إرسال رابط جديد', out: 'تسجيل الخروج: ', add: 'إضافة حساب آخر', signOut: 'تسجيل الخروج', devices: 'تسجيل الخروج من كل الأجهزة', all: 'تسجيل الخروج من كل الحسابات' }
        : { manage: 'Manage your account', resend: 'Send a new link', out: 'Sign out: ', add: 'Add another account', signOut: 'Sign out', devices: 'Sign out of all devices', all: 'Sign out of all accounts' };
      // A, the account shown, is fresh and so unverified: "Send a new link" follows "Manage your account".
      const order = [t.manage, t.resend, `${b.name} ${b.email}`, `${t.out}${b.name}`, `${c.name} ${c.email}`, `${t.out}${c.name}`, t.add, t.signOut, t.devices, t.all];
      // The accessibility tree's order, which a screen reader announces; A, the account shown, is not listed.
      const items = menu.getByRole('menuitem');
      await expect(items).toHaveCount(order.length);
      for (const [i, name] of order.entries()) await expect(items.nth(i)).toHaveAccessibleName(name);
      for (const name of order) {
        await expect(box.getByRole('menuitem', { name, exact: true })).toBeFocused();
        await page.keyboard.press('ArrowDown');
      }
      // Wrapped round to the first; ArrowUp to the last; End and Home.
      await expect(box.getByRole('menuitem', { name: t.manage })).toBeFocused();
      await page.keyboard.press('ArrowUp');
      await expect(box.getByRole('menuitem', { name: t.all })).toBeFocused();
      await page.keyboard.press('Home');
      await expect(box.getByRole('menuitem', { name: t.manage })).toBeFocused();
      // Mirrored right-to-left: the arrow pointing "forward" (Left in Arabic) moves on.
      await page.keyboard.press(rtl ? 'ArrowLeft' : 'ArrowRight');
      await expect(box.getByRole('menuitem', { name: t.resend })).toBeFocused();
      // The sign-out buttons sit at the rows' inline end: right of the account, left of it right-to-left.
      const row = await box.getByRole('menuitem', { name: `${b.name} ${b.email}` }).boundingBox();
      const out = await box.getByRole('menuitem', { name: `${t.out}${b.name}` }).boundingBox();
      expect(rtl ? out!.x < row!.x : out!.x > row!.x).toBe(true);
      expect((await new AxeBuilder({ page }).include('user-box').analyze()).violations).toEqual([]);
      await page.keyboard.press('Escape');
      await expect(menu).toBeHidden();
      await expect(account).toBeFocused();
      // Tab leaves and closes; the choice from the keyboard switches.
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Tab');
      await expect(menu).toBeHidden();
      // Manage, Send a new link, B, B's sign-out, C. (The menu opens on Manage first, as a user sees it do.)
      await account.focus();
      await page.keyboard.press('ArrowDown');
      await expect(box.getByRole('menuitem', { name: t.manage })).toBeFocused();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await expect(box.getByRole('button', { name: rtl ? `الحساب: ${c.name}` : `Account: ${c.name}` })).toBeFocused();
    });
  }

  test('token mode on another site: Switch account is one bounce to the chooser, and the token kept is the chosen account\'s', async ({ page, context, urls, makeUser }) => {
    const a = await makeUser({ name: 'Ada Shopper' });
    const b = await makeUser({ name: 'Bob Shopper' });
    await signInAccounts(context, urls, [a, b]);
    const bounces: string[] = [];
    // The shop page leaving for /authorize (the chooser's own links to it, with login_hint, come from the service).
    page.on('request', (req) => {
      if (req.isNavigationRequest() && req.url().startsWith(`${urls.service}/authorize`) && (req.headers()['referer'] ?? '').startsWith(urls.shop)) {
        bounces.push(req.url());
      }
    });
    const box = page.locator('user-box');

    // Two accounts and none chosen by the shop yet: the silent bounce cannot pick one (Sign in, no loop); Sign in
    // shows the chooser.
    await page.goto(`${urls.shop}/`);
    await box.getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: `${a.name} ${a.email}` }).click();
    await expect(accountButton(page, a)).toBeVisible();

    // The list with a token holds just its account, so the menu offers Switch account: one bounce to the chooser.
    await accountButton(page, a).click();
    await expect(box.getByRole('menuitem', { name: `${b.name} ${b.email}` })).toHaveCount(0);
    await expect(box.getByRole('menuitem', { name: 'Add another account' })).toHaveCount(0);
    bounces.length = 0;
    await box.getByRole('menuitem', { name: 'Switch account' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Choose an account' })).toBeVisible();
    await page.getByRole('link', { name: `${b.name} ${b.email}` }).click();
    await expect(accountButton(page, b)).toBeVisible();
    await page.waitForLoadState('networkidle');
    expect(bounces).toHaveLength(1);
    expect(new URL(bounces[0]!).searchParams.get('prompt')).toBe('select_account');

    // The refresh token kept is B's: a new tab of the shop shows B without a bounce.
    const again = await context.newPage();
    const againBounces: string[] = [];
    again.on('request', (req) => req.isNavigationRequest() && req.url().startsWith(`${urls.service}/authorize`) && againBounces.push(req.url()));
    await again.goto(`${urls.shop}/`);
    await expect(accountButton(again, b)).toBeVisible();
    expect(againBounces).toEqual([]);

    // Sign out in the shop ends B at the service (RP-initiated logout); A stays signed in on this browser, and
    // the shop falls back to A with one silent bounce (the shop used A before).
    bounces.length = 0;
    await accountButton(page, b).click();
    await box.getByRole('menuitem', { name: 'Sign out', exact: true }).click();
    await expect(accountButton(page, a)).toBeVisible();
    await page.waitForLoadState('networkidle');
    expect(bounces.map((url) => new URL(url).searchParams.get('prompt'))).toEqual(['none']);
    const service = await context.newPage();
    await service.goto(`${urls.service}/login`);
    const me = await service.evaluate(async () => (await (await fetch('/api/me')).json()) as { accounts?: { name: string }[] });
    expect(me.accounts?.map((x) => x.name)).toEqual([a.name]);

    // Signing out the last account: one silent bounce finds none, Sign in, and no loop.
    bounces.length = 0;
    await accountButton(page, a).click();
    await box.getByRole('menuitem', { name: 'Sign out', exact: true }).click();
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
    await page.waitForLoadState('networkidle');
    await page.reload();
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
    expect(bounces).toHaveLength(1);
  });

  test('a server-rendered host follows a switch made in its box (host sync with login_hint)', async ({ page, context, urls, makeUser }) => {
    const a = await makeUser({ name: 'Ada Hosted' });
    const b = await makeUser({ name: 'Bob Hosted' });
    await signInAccounts(context, urls, [a, b]);
    await page.goto(`${urls.ssr}/orders`);
    await page.getByRole('link', { name: `${a.name} ${a.email}` }).click();
    await expect(page.getByText(`Signed in as ${a.email}`)).toBeVisible();
    await page.waitForLoadState('networkidle');
    const box = page.locator('user-box');
    const hostLogins: string[] = [];
    page.on('request', (req) => req.isNavigationRequest() && req.url().startsWith(`${urls.ssr}/login`) && hostLogins.push(req.url()));
    await accountButton(page, a).click();
    await box.getByRole('menuitem', { name: 'Switch account' }).click();
    await page.getByRole('link', { name: `${b.name} ${b.email}` }).click();
    await expect(accountButton(page, b)).toBeVisible();
    await expect(page.getByText(`Signed in as ${b.email}`)).toBeVisible();
    await expect(page).toHaveURL(`${urls.ssr}/orders`);
    // Host sync named the account chosen, rather than leaving the service to pick.
    expect(hostLogins.map((url) => new URL(url).searchParams.get('login_hint'))).toEqual([b.id]);
  });

  test('a hostile name in the list is text, never markup', async ({ page, context, urls, makeUser }) => {
    const a = await makeUser({ name: 'Ada Plain' });
    const hostile = '<img src=x onerror="window.pwned=1">Eve';
    const b = await makeUser({ name: hostile });
    await signInAccounts(context, urls, [a, b]);
    await page.goto(`${urls.mail}/?csp`);
    await accountButton(page, a).click();
    const box = page.locator('user-box');
    await expect(box.getByRole('menuitem', { name: `${hostile} ${b.email}` })).toBeVisible();
    await expect(box.getByRole('menuitem', { name: `Sign out: ${hostile}` })).toBeVisible();
    await expect(box.locator('img[src="x"]')).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  });

  test('another browser\'s handle in ?account= answers as signed out, and the box there shows its own account', async ({ browser, page, context, urls, makeUser }) => {
    const a = await makeUser({ name: 'Ada Elsewhere' });
    const b = await makeUser({ name: 'Bob Elsewhere' });
    const c = await makeUser({ name: 'Cy Elsewhere' });
    await signInAccounts(context, urls, [a, b]);
    await page.goto(`${urls.mail}/`);
    const ask = (p: Page, query: string) =>
      p.evaluate(async ([service, q]) => (await fetch(`${service}/api/me${q}`, { credentials: 'include' })).json(), [urls.service, query] as const);
    const mine = (await ask(page, '')) as { accounts: { id: string; name: string }[] };
    const handleB = mine.accounts.find((x) => x.name === b.name)!.id;

    const other = await browser.newContext({ ignoreHTTPSErrors: true });
    await signInAccounts(other, urls, [c]);
    const elsewhere = await other.newPage();
    await elsewhere.goto(`${urls.mail}/`);
    await expect(accountButton(elsewhere, c)).toBeVisible();
    expect(await ask(elsewhere, `?account=${encodeURIComponent(handleB)}`)).toEqual({ user: null });
    // The handle is this browser's to use, and still shows B here.
    expect(((await ask(page, `?account=${encodeURIComponent(handleB)}`)) as { user: { name: string } }).user.name).toBe(b.name);
    await other.close();
  });

  test('an origin that is not registered never gets the list', async ({ page, context, urls, makeUser }) => {
    const a = await makeUser({ name: 'Ada Stranger' });
    const b = await makeUser({ name: 'Bob Stranger' });
    await signInAccounts(context, urls, [a, b]);
    const stranger = urls.mail.replace('//mail.', '//stranger.');
    await page.goto(`${stranger}/`);
    const box = page.locator('user-box');
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
    await expect(page.getByText(a.name)).toHaveCount(0);
    await expect(box.getByText(b.email)).toHaveCount(0);
    // Its own script cannot read the answer either: no CORS headers for it.
    const read = await page.evaluate(
      (service) => fetch(`${service}/api/me`, { credentials: 'include' }).then((r) => r.text(), (e: Error) => `refused: ${e.name}`),
      urls.service,
    );
    expect(read).toBe('refused: TypeError');
  });
});
