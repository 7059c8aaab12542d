import { expect, signIn, test } from '../support/fixtures.js';
import { serverHtml } from '../support/server-html.js';

// What only the Python host does: its back end learns the user at sign-in (the ID token) and renders it.

test.describe('the Python host example', () => {
  test('the name rendered by the server is the account\'s, and the box agrees', async ({ page, context, urls, makeUser }) => {
    // A name that needs escaping on its way into HTML.
    const user = await makeUser({ name: `Grace O'Hara & <Co>` });
    await signIn(context, urls, user);
    await page.goto(`${urls.python}/`);
    await expect(page).toHaveURL(`${urls.python}/`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Hello, ${user.name}`);
    // The HTML as it arrives, before any script runs, already names the user, escaped.
    expect((await serverHtml(context, `${urls.python}/`)).body).toMatch(/<h1>Hello, Grace O(&#x27;|&#39;|')Hara &amp; &lt;Co&gt;<\/h1>/);
    await expect(page.locator('user-box').getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();
  });

  test('signed out, the server says Hello, guest and the box offers Sign in', async ({ page, context, urls }) => {
    await page.goto(`${urls.python}/`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Hello, guest');
    expect((await serverHtml(context, `${urls.python}/`)).body).toContain('<h1>Hello, guest</h1>');
    await expect(page.locator('user-box').getByRole('link', { name: 'Sign in' })).toBeVisible();
  });
});
