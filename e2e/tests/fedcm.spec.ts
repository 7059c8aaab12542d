import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, request, type BrowserContext, type CDPSession, type Page } from '@playwright/test';
import { expect, test, type TestUser, type Urls } from '../support/fixtures.js';

// The box on https://shop.other.test (another site than the service) in a Chromium with FedCM on: it asks the
// browser, which asks the service (its well-known file, config, accounts and ID assertion endpoints), before any
// bounce. Chromium fetches the well-known file from the registrable domain (example.test, which *.test maps to
// this machine) at the config's port only with FedCmPreservePortsForTesting, and fetches everything itself, so the
// test certificate's key is trusted by flag. Dialogs are answered through CDP (FedCm.*).

/** One FedCM dialog Chromium showed, as CDP reports it. */
interface Dialog {
  dialogId: string;
  dialogType: string;
}

/** A Chromium of its own with a fresh persistent profile (silent re-authentication needs one), and its FedCM dialogs. */
interface FedcmBrowser {
  context: BrowserContext;
  page: Page;
  dialogs: Dialog[];
  /** What Chromium reported on the console, where it says why FedCM failed. */
  consoleErrors: string[];
  /** What to do with the next account chooser: choose the first account, or dismiss it. */
  answer: 'select' | 'dismiss';
  /** The same profile in a new browser session (session cookies gone, storage and FedCM's memory kept). */
  restart(): Promise<void>;
}

/** Every top-level navigation of `page` to the service, from now on: with FedCM there should be none. */
function recordServiceNavigations(page: Page, serviceUrl: string): string[] {
  const navigations: string[] = [];
  page.on('request', (req) => {
    if (req.isNavigationRequest() && req.frame() === page.mainFrame() && req.url().startsWith(serviceUrl)) navigations.push(req.url());
  });
  return navigations;
}

const fedcm = test.extend<{ fedcmBrowser: FedcmBrowser }>({
  fedcmBrowser: async ({ services }, use, testInfo) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'userbox-fedcm-'));
    const { launchOptions } = testInfo.project.use;
    const args = [
      ...(launchOptions?.args ?? []).filter((a) => a !== '--disable-features=FedCm'),
      '--enable-features=FedCmPreservePortsForTesting',
      `--ignore-certificate-errors-spki-list=${services.certSpki}`,
    ];
    const launch = () => chromium.launchPersistentContext(dir, { executablePath: launchOptions?.executablePath, args, ignoreHTTPSErrors: true });
    const state: FedcmBrowser = {
      context: await launch(),
      page: undefined as unknown as Page,
      dialogs: [],
      consoleErrors: [],
      answer: 'select',
      restart: async () => {
        await state.context.close();
        state.context = await launch();
        await attach();
      },
    };
    const attach = async () => {
      state.page = state.context.pages()[0] ?? (await state.context.newPage());
      state.page.on('console', (m) => m.type() === 'error' && state.consoleErrors.push(m.text()));
      const cdp: CDPSession = await state.context.newCDPSession(state.page);
      await cdp.send('FedCm.enable', { disableRejectionDelay: true });
      cdp.on('FedCm.dialogShown', (event: Dialog) => {
        state.dialogs.push(event);
        // An error the service answered (a refused assertion): the user closes it.
        if (event.dialogType === 'Error') void cdp.send('FedCm.dismissDialog', { dialogId: event.dialogId });
        if (event.dialogType !== 'AccountChooser') return;
        if (state.answer === 'select') void cdp.send('FedCm.selectAccount', { dialogId: event.dialogId, accountIndex: 0 });
        else void cdp.send('FedCm.dismissDialog', { dialogId: event.dialogId });
      });
    };
    await attach();
    await use(state);
    await state.context.close();
    rmSync(dir, { recursive: true, force: true });
  },
});

/** Signs in on the service's own login page, as a user does: the browser gets both cookies and the login status. */
async function signInAtService(page: Page, urls: Urls, user: TestUser): Promise<void> {
  await page.goto(`${urls.service}/login`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/account/);
}

const accountButton = (page: Page, user: TestUser) => page.locator('user-box').getByRole('button', { name: `Account: ${user.name}` });

fedcm.describe('<user-box> on another site with FedCM', () => {
  fedcm('signed in at the service: the box shows the user with no navigation to the service; a later visit signs in silently', async ({ fedcmBrowser: b, urls, user }) => {
    await signInAtService(b.page, urls, user);
    const navigations = recordServiceNavigations(b.page, urls.service);
    await b.page.goto(`${urls.shop}/cart`);
    await expect(accountButton(b.page, user)).toBeVisible();
    expect(navigations).toEqual([]);
    expect(b.dialogs.map((d) => d.dialogType)).toEqual(['AccountChooser']);
    expect(b.page.url()).toBe(`${urls.shop}/cart`);

    // Its tokens gone (as after the refresh token's session ended on another device and was signed in again):
    // FedCM answers again, this time without asking the user.
    await b.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('userbox:refresh:')).forEach((k) => localStorage.removeItem(k)));
    await b.restart();
    const again = recordServiceNavigations(b.page, urls.service);
    await b.page.goto(`${urls.shop}/`);
    await expect(accountButton(b.page, user)).toBeVisible();
    expect(again).toEqual([]);
    expect(b.dialogs.map((d) => d.dialogType)).toEqual(['AccountChooser', 'AutoReauthn']);
  });

  fedcm('signed out at the service: FedCM fails at once and the box shows Sign in with no bounce', async ({ fedcmBrowser: b, urls, user }) => {
    await signInAtService(b.page, urls, user);
    await b.page.goto(`${urls.shop}/`);
    await expect(accountButton(b.page, user)).toBeVisible();

    // Signed out on the service's own page: Set-Login: logged-out.
    await b.page.goto(`${urls.service}/account`);
    await b.page.getByRole('button', { name: 'Sign out of all accounts' }).click();
    await expect(b.page).toHaveURL(/\/login/);
    // The next browser session: the shop's refresh token is refused, and forgotten.
    await b.restart();
    await b.page.goto(`${urls.shop}/`);
    await expect(b.page.locator('user-box').getByRole('link', { name: 'Sign in' })).toBeVisible();

    // And the one after: no token, so the box asks FedCM, which the browser refuses at once (no dialog).
    await b.restart();
    const navigations = recordServiceNavigations(b.page, urls.service);
    await b.page.goto(`${urls.shop}/`);
    const signInLink = b.page.locator('user-box').getByRole('link', { name: 'Sign in' });
    await expect(signInLink).toBeVisible();
    expect(navigations).toEqual([]);
    expect(b.dialogs.map((d) => d.dialogType)).toEqual(['AccountChooser']);
    expect(b.consoleErrors).toContain('Not signed in with the identity provider.');
    // Sign in is still the interactive bounce.
    expect(new URL((await signInLink.getAttribute('href'))!).pathname).toBe('/authorize');
  });

  fedcm('Sign out in the box sets the browser’s login status to logged-out: the next FedCM request fails at once', async ({ fedcmBrowser: b, urls, user }) => {
    await signInAtService(b.page, urls, user);
    await b.page.goto(`${urls.shop}/`);
    const box = b.page.locator('user-box');
    await accountButton(b.page, user).click();
    await box.getByRole('menuitem', { name: 'Sign out', exact: true }).click();
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
    await expect(b.page).toHaveURL(`${urls.shop}/`);

    await b.restart();
    const navigations = recordServiceNavigations(b.page, urls.service);
    await b.page.goto(`${urls.shop}/`);
    await expect(b.page.locator('user-box').getByRole('link', { name: 'Sign in' })).toBeVisible();
    expect(navigations).toEqual([]);
    expect(b.dialogs.map((d) => d.dialogType)).toEqual(['AccountChooser']);
    expect(b.consoleErrors).toContain('Not signed in with the identity provider.');
  });

  fedcm('FedCM refused (the dialog dismissed): the box falls back to the one bounce, which signs in', async ({ fedcmBrowser: b, urls, user }) => {
    await signInAtService(b.page, urls, user);
    b.answer = 'dismiss';
    const navigations = recordServiceNavigations(b.page, urls.service);
    await b.page.goto(`${urls.shop}/cart`);
    await expect(accountButton(b.page, user)).toBeVisible();
    expect(b.dialogs.map((d) => d.dialogType)).toEqual(['AccountChooser']);
    expect(navigations).toHaveLength(1);
    expect(new URL(navigations[0]!).searchParams.get('prompt')).toBe('none');
  });

  fedcm('the ID assertion endpoint refuses an unregistered app, a page’s own fetch, and another origin', async ({ fedcmBrowser: b, urls, user }) => {
    await signInAtService(b.page, urls, user);
    // Through the browser's FedCM, for an app the service does not know: refused. (The box's own request first.)
    await b.page.goto(`${urls.shop}/`);
    await expect(accountButton(b.page, user)).toBeVisible();
    const unregistered = await b.page.evaluate(async (service) => {
      try {
        await navigator.credentials.get({
          identity: { providers: [{ configURL: `${service}/fedcm/config.json`, clientId: 'not-registered', params: { nonce: 'n', code_challenge: 'x'.repeat(43) } }] },
          mediation: 'optional',
        } as CredentialRequestOptions);
        return 'token';
      } catch (err) {
        return `${(err as Error).name}`;
      }
    }, urls.service);
    expect(unregistered).not.toBe('token');

    // A page's own credentialed fetch cannot send Sec-Fetch-Dest: webidentity.
    const fromPage = await b.page.evaluate(async ({ service, id }) => {
      const res = await fetch(`${service}/fedcm/assertion`, {
        method: 'POST',
        credentials: 'include',
        body: new URLSearchParams({ client_id: 'shop', account_id: id, params: JSON.stringify({ code_challenge: 'x'.repeat(43) }) }),
      });
      return { status: res.status, body: (await res.json()) as unknown };
    }, { service: urls.service, id: user.id });
    expect(fromPage).toEqual({ status: 400, body: { error: { code: 'invalid_request' } } });

    // Another origin, even with the browser's header and the browser's cookies.
    const cookies = await b.context.cookies(urls.service);
    const fedcmCookie = cookies.find((c) => c.name === '__Host-userbox_fedcm');
    expect(fedcmCookie?.sameSite).toBe('None');
    const api = await request.newContext({ baseURL: urls.serviceDirect, ignoreHTTPSErrors: true });
    const foreign = await api.post('/fedcm/assertion', {
      headers: { Origin: 'https://evil.other.test', 'Sec-Fetch-Dest': 'webidentity', Cookie: `__Host-userbox_fedcm=${fedcmCookie!.value}` },
      form: { client_id: 'shop', account_id: user.id, params: JSON.stringify({ code_challenge: 'x'.repeat(43) }) },
    });
    expect(foreign.status()).toBe(403);
    expect(await foreign.json()).toEqual({ error: { code: 'unauthorized_client' } });
    expect(foreign.headers()['access-control-allow-origin']).toBeUndefined();
    await api.dispose();
  });
});
