import { expect, signIn, test } from '../support/fixtures.js';
import { serverHtml } from '../support/server-html.js';

// The SSR hosts no longer ask the service on every page: a sign-out reaches them as a back-channel logout token,
// which ends their sessions, so the next page they render shows the user signed out.

test.describe('back-channel logout to the server-rendered hosts', () => {
  test('a sign-out in the box ends the Express and Python host sessions within a second', async ({ page, context, urls, user }) => {
    await signIn(context, urls, user);
    // Each back end signs in with the service's session (no form: the service answers /authorize at once).
    for (const host of [urls.ssr, urls.python]) {
      await page.goto(`${host}/orders`);
      await expect(page).toHaveURL(`${host}/orders`);
      // The page's box (token mode on these hosts) bounces once too: let it come back before leaving the page,
      // or its return would land after the next navigation and win.
      await expect(page.locator('user-box').getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();
      await page.waitForLoadState('networkidle');
      expect((await serverHtml(context, `${host}/`)).body).toContain(`<h1>Hello, ${user.name}</h1>`);
    }
    // Leave the Python page: it is on the service's site, so its box sees the sign-out within half a second and
    // its page reloads itself to sign in again, which would race this test's own navigation below.
    await page.goto('about:blank');

    const mail = await context.newPage();
    await mail.goto(`${urls.mail}/`);
    const box = mail.locator('user-box');
    await box.getByRole('button', { name: `Account: ${user.name}` }).click();
    const signedOutAt = Date.now();
    await box.getByRole('menuitem', { name: 'Sign out', exact: true }).click();

    const guestAt: Record<string, number> = {};
    await expect
      .poll(
        async () => {
          for (const host of [urls.ssr, urls.python]) {
            if (guestAt[host] === undefined && (await serverHtml(context, `${host}/`)).body.includes('<h1>Hello, guest</h1>')) guestAt[host] = Date.now();
          }
          return Object.keys(guestAt).length;
        },
        { intervals: [50], timeout: 5_000 },
      )
      .toBe(2);
    for (const [host, at] of Object.entries(guestAt)) {
      test.info().annotations.push({ type: 'signed out after (ms)', description: `${host}: ${at - signedOutAt}` });
      expect(at - signedOutAt, `${host} still rendered the user`).toBeLessThan(1_000);
    }

    // And in the browser: the next page load of each host shows signed out.
    for (const host of [urls.ssr, urls.python]) {
      await page.goto(`${host}/`);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Hello, guest');
    }
  });

  test('a name changed at the service shows on each host\'s next page, though the hosts no longer ask on every page', async ({ page, context, urls, user }) => {
    await signIn(context, urls, user);
    for (const host of [urls.ssr, urls.python]) {
      await page.goto(`${host}/orders`);
      await expect(page.locator('user-box').getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();
      await page.waitForLoadState('networkidle');
    }
    const renamed = `${user.name} Byron`;
    const service = await context.newPage();
    await service.goto(`${urls.service}/account`);
    const status = await service.evaluate(
      async (name) => (await fetch('/api/me', { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }) })).status,
      renamed,
    );
    expect(status).toBe(200);
    // The box on each host's next page knows the new name; host sync has the server sign in again, silently,
    // and the page the server renders says it too.
    for (const host of [urls.ssr, urls.python]) {
      const next = await context.newPage();
      await next.goto(`${host}/`);
      await expect(next.getByRole('heading', { level: 1 })).toHaveText(`Hello, ${renamed}`);
      await expect(next).toHaveURL(`${host}/`);
      expect((await serverHtml(context, `${host}/`)).body).toContain(`<h1>Hello, ${renamed}</h1>`);
      await next.close();
    }
  });
});
