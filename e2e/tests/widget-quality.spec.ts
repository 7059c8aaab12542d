import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, signIn, test } from '../support/fixtures.js';
import { fetchFromService, holdRequests, layoutShift, openShowingUser, pageRecord, recordLayoutShift, recordPageEvents } from '../support/widget.js';

async function expectNoAxeViolations(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).include('user-box').analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test.describe('<user-box> accessibility, theming and languages', () => {
  test('axe finds no violations signed out', async ({ page, urls }) => {
    await page.goto(`${urls.mail}/`);
    await expect(page.locator('user-box').getByRole('link', { name: 'Sign in' })).toBeVisible();
    await expectNoAxeViolations(page);
  });

  for (const [variant, query] of [
    ['light', ''],
    ['dark', '?theme=dark&dark'],
    ['RTL Arabic', '?lang=ar&page-lang=ar&dir=rtl'],
  ] as const) {
    test(`axe finds no violations signed in, menu open and launcher open (${variant})`, async ({ page, urls, signedInUser: user }) => {
      await page.goto(`${urls.mail}/${query}`);
      const box = page.locator('user-box');
      const account = box.getByRole('button', { name: new RegExp(user.name) });
      await expect(account).toBeVisible();
      await expectNoAxeViolations(page);
      await account.click();
      await expect(box.getByRole('menu')).toBeVisible();
      await expectNoAxeViolations(page);
      await box.getByRole('button', { name: /Apps|التطبيقات/ }).click();
      await expect(box.getByRole('menu')).toHaveCount(1);
      await expect(box.getByRole('menuitem').first()).toBeFocused();
      await expectNoAxeViolations(page);
    });
  }

  test('theme="dark" is dark, theme="auto" follows prefers-color-scheme, the default is light', async ({ page, urls, signedInUser: user }) => {
    const panelBackground = async () => {
      const box = page.locator('user-box');
      await box.getByRole('button', { name: `Account: ${user.name}` }).click();
      const menu = box.getByRole('menu');
      await expect(menu).toBeVisible();
      return menu.evaluate((el) => getComputedStyle(el.parentElement!).backgroundColor);
    };
    const white = 'rgb(255, 255, 255)';
    const dark = 'rgb(31, 31, 31)';
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${urls.mail}/`);
    expect(await panelBackground()).toBe(white);
    await page.goto(`${urls.mail}/?theme=dark`);
    expect(await panelBackground()).toBe(dark);
    await page.goto(`${urls.mail}/?theme=auto`);
    expect(await panelBackground()).toBe(dark);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(`${urls.mail}/?theme=auto`);
    expect(await panelBackground()).toBe(white);
  });

  test('text comes in English, German and Arabic, from lang or the document\'s language', async ({
    page,
    context,
    urls,
    user,
  }) => {
    const box = page.locator('user-box');
    await page.goto(`${urls.mail}/?page-lang=de-AT`);
    await expect(box.getByRole('link', { name: 'Anmelden' })).toBeVisible();
    await page.goto(`${urls.mail}/?lang=ar`);
    await expect(box.getByRole('link', { name: 'تسجيل الدخول' })).toBeVisible();
    await page.goto(`${urls.mail}/?page-lang=fr`);
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();

    await signIn(context, urls, user);
    await page.goto(`${urls.mail}/?lang=de`);
    await box.getByRole('button', { name: `Konto: ${user.name}` }).click();
    await expect(box.getByRole('menuitem', { name: 'Konto verwalten' })).toBeFocused();
    await expect(box.getByRole('menuitem', { name: 'Auf allen Geräten abmelden' })).toBeVisible();
    await expect(box.getByRole('button', { name: 'Apps' })).toBeVisible();
    // The lang attribute is live.
    await box.evaluate((el) => el.setAttribute('lang', 'ar'));
    await expect(box.getByRole('menuitem', { name: 'إدارة حسابك' })).toBeVisible();
  });

  test('right-to-left: the box and its panels mirror', async ({ page, urls, signedInUser: user }) => {
    const { box, account } = await openShowingUser(page, `${urls.mail}/?dir=rtl`, user);
    const launcher = box.getByRole('button', { name: 'Apps' });
    await account.click();
    const panel = (await box.getByRole('menu').boundingBox())!;
    const host = (await box.boundingBox())!;
    // The box sits at the inline end (left), the launcher after the account button, the panel opens rightwards.
    expect((await account.boundingBox())!.x).toBeLessThan((await launcher.boundingBox())!.x);
    expect(host.x).toBeLessThan(100);
    expect(Math.abs(panel.x - host.x)).toBeLessThan(16);
    // ArrowRight moves backwards in a right-to-left launcher.
    await launcher.click();
    await expect(box.getByRole('menuitem', { name: 'News' })).toBeFocused();
    await page.keyboard.press('ArrowLeft');
    await expect(box.getByRole('menuitem', { name: 'Mail' })).toBeFocused();
  });
});

test.describe('<user-box> loading without layout shift', () => {
  test('reserves its size, shows a placeholder and never flashes Sign in for a signed-in user (CLS 0)', async ({ page, urls, signedInUser: user }) => {
    await recordPageEvents(page);
    await recordLayoutShift(page);
    // Hold /api/me until the loading state has been measured.
    const release = await holdRequests(page, `${urls.service}/api/me`);
    await page.goto(`${urls.mail}/`);
    const box = page.locator('user-box');
    await expect(box.getByRole('img', { name: 'Loading account' })).toBeVisible();
    await expect(box.getByRole('button', { name: 'Apps' })).toBeVisible();
    await expect(box.getByRole('link', { name: 'Sign in' })).toHaveCount(0);
    const before = await box.boundingBox();
    const heading = await page.getByRole('heading', { name: 'Mail' }).boundingBox();

    release();
    await expect(box.getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();
    expect(await box.boundingBox()).toEqual(before);
    expect(await page.getByRole('heading', { name: 'Mail' }).boundingBox()).toEqual(heading);
    expect(await layoutShift(page)).toBe(0);
    // The first thing the page heard was the user, never a signed-out state.
    const { userboxEvents } = await pageRecord(page);
    expect(userboxEvents.map((e) => e.type)).toEqual(['userbox-change']);
    expect(userboxEvents[0]!.detail['user']).toMatchObject({ id: user.id });
  });
});

test.describe('<user-box> under a strict Content-Security-Policy', () => {
  for (const script of ['module', 'iife']) {
    test(`shows the box, menu and launcher with no CSP violation (${script} bundle)`, async ({ page, urls, signedInUser: user, apps }) => {
      await recordPageEvents(page);
      const response = await page.goto(`${urls.mail}/?csp&script=${script}`);
      expect(response!.headers()['content-security-policy']).toBe(
        `default-src 'self'; script-src 'self' ${urls.service}; style-src 'self'; connect-src ${urls.service}; img-src ${urls.service} https:`,
      );
      const box = page.locator('user-box');
      const account = box.getByRole('button', { name: `Account: ${user.name}` });
      await account.click();
      await expect(box.getByRole('menuitem', { name: 'Manage your account' })).toBeFocused();
      // Styles apply (adopted stylesheets and CSSOM, not style attributes): the avatar wears the user's colour.
      const avatar = account.locator('[part=avatar]');
      expect(await avatar.evaluate((el) => getComputedStyle(el).borderRadius)).toBe('50%');
      expect(await avatar.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe('rgb(95, 99, 104)');
      await box.getByRole('button', { name: 'Apps' }).click();
      const icons = box.getByRole('menu', { name: 'Apps' }).locator('img');
      await expect(icons).toHaveCount(apps.filter((app) => app.icon).length);
      await expect
        .poll(() => icons.evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0)))
        .toBe(true);
      const record = await pageRecord(page);
      expect(record.cspViolations).toEqual([]);
      expect(record.unhandled).toEqual([]);
    });
  }
});

test.describe('<user-box> with pictures, hostile names and hostile URLs', () => {
  for (const name of ['<img src=x onerror="window.pwned=1">', '"><svg onload="window.pwned=2"></svg>']) {
    test(`shows the name ${JSON.stringify(name)} as text`, async ({ page, context, urls, makeUser }) => {
      const user = await makeUser({ name });
      await signIn(context, urls, user);
      const { box, account } = await openShowingUser(page, `${urls.mail}/`, user);
      await account.click();
      await expect(box.getByText(name, { exact: true })).toBeVisible();
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      expect(await box.locator('img[src=x], svg[onload]').count()).toBe(0);
    });
  }

  test('an https picture becomes the avatar, in the button and the panel', async ({ page, urls, signedInUser: user }) => {
    const picture = `${urls.mail}/icons/mail.svg`;
    await page.route(`${urls.service}/api/me`, async (route) => {
      const response = await fetchFromService(route, urls);
      const body = (await response.json()) as { user: Record<string, unknown> };
      await route.fulfill({ response, json: { ...body, user: { ...body.user, picture } } });
    });
    const { box, account } = await openShowingUser(page, `${urls.mail}/`, user);
    await expect(account.locator('img')).toHaveAttribute('src', picture);
    await expect(account).toHaveText('');
    await account.click();
    await expect(box.locator('[part=panel] img')).toHaveAttribute('src', picture);
  });

  test('javascript: and foreign http URLs never become links or images', async ({ page, urls, signedInUser: user }) => {
    await page.route(`${urls.service}/api/me`, async (route) => {
      const response = await fetchFromService(route, urls);
      const body = (await response.json()) as { user: Record<string, unknown> };
      await route.fulfill({ response, json: { ...body, user: { ...body.user, picture: 'javascript:window.pwned=3' } } });
    });
    await page.route(`${urls.service}/api/apps`, async (route) => {
      const response = await fetchFromService(route, urls);
      await route.fulfill({
        response,
        json: {
          apps: [
            { id: 'evil', name: 'Evil', url: 'javascript:window.pwned=4', icon: null },
            { id: 'plain', name: 'Plain http', url: 'http://plain.other.test/', icon: null },
            { id: 'odd', name: '<b>Odd</b>', url: 'https://odd.other.test/', icon: 'javascript:window.pwned=5' },
            { id: 'pixel', name: 'Pixel', url: 'https://pixel.other.test/', icon: 'http://pixel.other.test/icon.png' },
            {
              id: 'svg',
              name: 'Bundled',
              url: 'https://svg.other.test/',
              icon: 'data:image/svg+xml,%3Csvg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/%3E',
            },
          ],
        },
      });
    });
    const { box, account } = await openShowingUser(page, `${urls.mail}/`, user);
    // No picture: the initials instead.
    await expect(account).toHaveText(/\S\S?/);
    await expect(account.locator('img')).toHaveCount(0);

    await box.getByRole('button', { name: 'Apps' }).click();
    const apps = box.getByRole('menu', { name: 'Apps' });
    await expect(apps).toMatchAriaSnapshot(`
      - menu "Apps":
        - menuitem "<b>Odd</b>"
        - menuitem "Pixel"
        - menuitem "Bundled"
    `);
    const sources = await apps.locator('img').evaluateAll((imgs) => imgs.map((i) => i.getAttribute('src')));
    expect(sources).toEqual([expect.stringMatching(/^data:image\/svg\+xml,/)]);
    const hrefs = await apps.getByRole('menuitem').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(['https://odd.other.test/', 'https://pixel.other.test/', 'https://svg.other.test/']);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  });

  test('two registrations on one page (two module tags and the IIFE) define it once, without an error', async ({ page, urls, signedInUser: user }) => {
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
    const { box } = await openShowingUser(page, `${urls.mail}/?script=double`, user);
    // All three scripts ran (the IIFE sets its global), yet the element is defined once and renders once.
    await expect.poll(() => page.evaluate(() => typeof (window as unknown as { Userbox?: object }).Userbox)).toBe('object');
    await expect(box.getByRole('button', { name: 'Apps' })).toHaveCount(1);
    expect(errors).toEqual([]);
  });
});
