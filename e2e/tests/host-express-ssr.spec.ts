import { expect, test } from '../support/fixtures.js';
import { serverHtml } from '../support/server-html.js';
import { signOutThroughBox } from '../support/widget.js';

// What only the Express SSR host does: its back end knows the user (code flow) and protects /orders.

test.describe('the Express SSR host example', () => {
  test('signed out, /orders sends you to sign in and back, with the name rendered by the server', async ({ page, context, urls, user }) => {
    await page.goto(`${urls.ssr}/orders`);
    await expect(page).toHaveURL((url) => url.origin === urls.service);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page).toHaveURL(`${urls.ssr}/orders`);
    await expect(page.getByRole('heading', { name: 'Your orders' })).toBeVisible();
    // The box on this other site signs in by itself (one top-level bounce): let it finish before leaving the page,
    // or the test's own navigation would race the box's.
    await expect(page.locator('user-box').getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();
    // Rendered on the server: the HTML as it arrives already names the user, before any script runs.
    const orders = await serverHtml(context, `${urls.ssr}/orders`);
    expect(orders.status).toBe(200);
    expect(orders.body).toContain(`Signed in as ${user.email}`);
    expect((await serverHtml(context, `${urls.ssr}/`)).body).toContain(`<h1>Hello, ${user.name}</h1>`);
    await page.goto(`${urls.ssr}/`);
    await expect(page.getByRole('heading', { name: `Hello, ${user.name}` })).toBeVisible();
    await expect(page.locator('user-box').getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();

    // Signed out at the service (from another app's box): the next /orders asks for a sign-in again.
    await signOutThroughBox(context, `${urls.mail}/`, user);
    // The host learns it from a back-channel logout token, sent from the service's job queue just after the
    // sign-out answered: wait until it has been told (back-channel-logout.spec.ts holds it to a second), or the
    // next page could be rendered in the moment before.
    await expect
      .poll(async () => (await serverHtml(context, `${urls.ssr}/orders`)).status, { intervals: [50], timeout: 5_000 })
      .toBe(303);

    await page.goto(`${urls.ssr}/orders`);
    await expect(page).toHaveURL((url) => url.origin === urls.service);
    await expect(page.getByLabel('Email')).toBeVisible();
  });

  test('signed out, the home page says Hello, guest from the server', async ({ page, context, urls }) => {
    await page.goto(`${urls.ssr}/`);
    await expect(page).toHaveURL(`${urls.ssr}/`);
    await expect(page.getByRole('heading', { name: 'Hello, guest' })).toBeVisible();
    expect((await serverHtml(context, `${urls.ssr}/`)).body).toContain('<h1>Hello, guest</h1>');
    await expect(page.locator('user-box').getByRole('link', { name: 'Sign in' })).toBeVisible();
  });
});
