import { randomUUID } from 'node:crypto';
import { AxeBuilder } from '@axe-core/playwright';
import { request, type Page } from '@playwright/test';
import { expect, signIn, test } from '../support/fixtures.js';
import { openShowingUser } from '../support/widget.js';

/** No axe violations, and nothing the strict CSP blocked, on the page as it is now. */
async function expectAccessibleUnderCsp(page: Page, blocked: string[]) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.map((v) => `${page.url()} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  expect(blocked).toEqual([]);
}

// The account's life through the real services and the real SMTP path: the service mails through its job queue
// to the test's SMTP server (support/mailbox.ts), and the tests follow the links it sent.
test.describe('the account lifecycle, with real mail', () => {
  test('sign up → the verification mail arrives → follow the link → the account page shows the address confirmed', async ({ page, urls, mailbox }) => {
    const email = `verify-${randomUUID()}@example.test`;
    await page.goto(`${urls.service}/signup`);
    await page.getByLabel('Name').fill('Grace Hopper');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('compilers and cobol 1959');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page).toHaveURL(`${urls.service}/account`);
    await expect(page.getByRole('heading', { name: 'Verify your email' })).toBeVisible();

    const mail = await mailbox.waitFor(email, 'Confirm your email address');
    await page.goto(mailbox.linkIn(mail, urls.service));
    await page.getByRole('button', { name: 'Confirm my address' }).click();
    // Back to the account the link confirmed, named by its handle among the browser's accounts.
    await expect(page).toHaveURL(new RegExp(`^${urls.service.replace(/[.]/g, '\\.')}/account\\?account=[A-Za-z0-9_-]+&done=email-verified&lang=en$`));
    await expect(page.getByRole('status')).toHaveText('Your email address is confirmed.');
    await expect(page.getByRole('heading', { name: 'Verify your email' })).toHaveCount(0);
    await expect(page.getByText('Confirmed', { exact: true })).toBeVisible();

    // The link worked once: followed again, it says so.
    await page.goto(mailbox.linkIn(mail, urls.service));
    await expect(page.getByRole('alert')).toHaveText('This link was already used. Links work only once.');
  });

  test('forgot password → link → new password → the old session and refresh token no longer work; the link works once', async ({ browser, context, urls, mailbox, signedInUser: user }) => {
    // Signed in twice: the service's cookie, and the Shop app's box in token mode holding a refresh token.
    const shop = await context.newPage();
    await openShowingUser(shop, `${urls.shop}/`, user);
    const refreshToken = await shop.evaluate((key) => localStorage.getItem(key), `userbox:refresh:${urls.service}:shop`);
    expect(refreshToken).toBeTruthy();

    // Someone who forgot the password, in a browser of their own.
    const stranger = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await stranger.newPage();
    await page.goto(`${urls.service}/login`);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByLabel('Email').fill(user.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await expect(page.getByRole('heading', { name: 'Check your mail' })).toBeVisible();

    const mail = await mailbox.waitFor(user.email, 'Reset your password');
    const link = mailbox.linkIn(mail, urls.service);
    await page.goto(link);
    await page.getByLabel('New password').fill('qwerty123456');
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await expect(page.getByRole('alert')).toContainText('most common');
    const newPassword = `a new and long passphrase ${randomUUID()}`;
    await page.getByLabel('New password').fill(newPassword);
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await expect(page.getByRole('heading', { name: 'Your password was changed' })).toBeVisible();
    await mailbox.waitFor(user.email, 'Your password was changed');

    // The old session is gone: the account page sends the first browser to sign in.
    const account = await context.newPage();
    await account.goto(`${urls.service}/account`);
    await expect(account).toHaveURL(new RegExp(`^${urls.service}/login`));
    // The refresh token the Shop box held is refused.
    const api = await request.newContext({ baseURL: urls.serviceDirect, ignoreHTTPSErrors: true });
    const refreshed = await api.post('/token', { form: { grant_type: 'refresh_token', refresh_token: refreshToken!, client_id: 'shop' }, headers: { Origin: urls.shop } });
    expect(refreshed.status()).toBe(400);
    expect((await refreshed.json()).error).toBe('invalid_grant');
    await api.dispose();

    // The link worked once.
    await page.goto(link);
    await expect(page.getByRole('alert')).toHaveText('This link was already used. Links work only once.');
    // The new password signs in.
    await page.goto(`${urls.service}/login`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(newPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(`${urls.service}/account`);
    await stranger.close();
  });

  test('"Forgot password?" answers a known and an unknown address with the same page', async ({ page, urls, mailbox, user }) => {
    const answers: Array<{ status: number; text: string }> = [];
    for (const email of [user.email, `nobody-${randomUUID()}@example.test`]) {
      await page.goto(`${urls.service}/forgot-password`);
      await page.getByLabel('Email').fill(email);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${urls.service}/forgot-password` && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Send the link' }).click(),
      ]);
      answers.push({ status: response.status(), text: await page.locator('main').innerText() });
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]?.status).toBe(200);
    // Only the account's owner gets a mail.
    await mailbox.waitFor(user.email, 'Reset your password');
  });

  test('the new pages pass axe and run under the strict CSP', async ({ page, urls, mailbox, user, context }) => {
    const blocked: string[] = [];
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP blocked ${e.violatedDirective} ${e.blockedURI}`));
    });
    page.on('console', (m) => {
      if (m.text().startsWith('CSP blocked')) blocked.push(m.text());
    });
    const csp = (await page.goto(`${urls.service}/forgot-password`))?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    await expectAccessibleUnderCsp(page, blocked);
    await page.getByLabel('Email').fill(user.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await expectAccessibleUnderCsp(page, blocked);
    await page.goto(mailbox.linkIn(await mailbox.waitFor(user.email, 'Reset your password'), urls.service));
    await expectAccessibleUnderCsp(page, blocked);
    await page.goto(mailbox.linkIn(await mailbox.waitFor(user.email, 'Confirm your email address'), urls.service));
    await expectAccessibleUnderCsp(page, blocked);
    await signIn(context, urls, user);
    await page.goto(`${urls.service}/account`);
    await expect(page.getByRole('heading', { name: 'Verify your email' })).toBeVisible();
    await expectAccessibleUnderCsp(page, blocked);
  });

  test('delete the account → the box in another open tab shows Sign in, and a goodbye mail arrives', async ({ context, urls, mailbox, signedInUser: user }) => {
    const news = await context.newPage();
    const { box } = await openShowingUser(news, `${urls.news}/`, user);

    const account = await context.newPage();
    await account.goto(`${urls.service}/account`);
    await account.getByLabel('Password to confirm the deletion').fill(user.password);
    await account.getByRole('button', { name: 'Delete my account' }).click();
    await expect(account.getByRole('heading', { name: 'Your account was deleted' })).toBeVisible();

    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
    await mailbox.waitFor(user.email, 'Your account was deleted');
  });
});
