import { expect, test } from '../support/fixtures.js';

async function signInOnService(page: import('@playwright/test').Page, service: string, email: string, password: string) {
  await page.goto(`${service}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test.describe('the account service pages', () => {
  test('sign up from a host page, land back signed in', async ({ page, urls }) => {
    const email = `signup-${Date.now()}-${Math.random().toString(36).slice(2)}@example.test`;
    await page.goto(`${urls.news}/`);
    await page.locator('user-box').getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Create one' }).click();
    await expect(page).toHaveURL(new RegExp(`^${urls.service}/signup\\?return_to=`));

    await page.getByLabel('Name').fill('Katherine Johnson');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('qwerty123456');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByRole('alert')).toContainText('most common');
    await expect(page.getByLabel('Name')).toHaveValue('Katherine Johnson');

    await page.getByLabel('Password').fill('orbital mechanics 1962');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page).toHaveURL(`${urls.news}/`);
    await expect(page.locator('user-box').getByRole('button', { name: 'Account: Katherine Johnson' })).toBeVisible();
  });

  test('the account page edits the profile, and the box shows the new name', async ({ page, urls, user }) => {
    await signInOnService(page, urls.service, user.email, user.password);
    await expect(page).toHaveURL(`${urls.service}/account`);
    await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
    await page.getByLabel('Name').fill('Ada King');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect(page.getByRole('status')).toHaveText('Your profile was saved.');

    await page.goto(`${urls.news}/`);
    await expect(page.locator('user-box').getByRole('button', { name: 'Account: Ada King' })).toBeVisible();
  });

  test('sign out everywhere: a second browser sees itself signed out', async ({ page, browser, urls, user }) => {
    await signInOnService(page, urls.service, user.email, user.password);

    const laptop = await browser.newContext({ ignoreHTTPSErrors: true });
    const other = await laptop.newPage();
    await signInOnService(other, urls.service, user.email, user.password);
    await other.goto(`${urls.news}/`);
    await expect(other.locator('user-box').getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();

    await page.goto(`${urls.service}/account`);
    await expect(page.getByRole('region', { name: 'Where you are signed in' }).getByRole('listitem')).toHaveCount(2);
    await expect(page.getByText('This device')).toBeVisible();
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await expect(page).toHaveURL(`${urls.service}/login`);

    await other.reload();
    await expect(other.locator('user-box').getByRole('link', { name: 'Sign in' })).toBeVisible();
    await laptop.close();
  });

  test('sign out one other device from the sessions list', async ({ page, browser, urls, user }) => {
    await signInOnService(page, urls.service, user.email, user.password);
    const phone = await browser.newContext({ ignoreHTTPSErrors: true, userAgent: 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36' });
    const phonePage = await phone.newPage();
    await signInOnService(phonePage, urls.service, user.email, user.password);

    await page.goto(`${urls.service}/account`);
    await page.getByRole('button', { name: 'Sign out Chrome on Android' }).click();
    await expect(page.getByRole('status')).toHaveText('That session was signed out.');
    await expect(page.getByRole('region', { name: 'Where you are signed in' }).getByRole('listitem')).toHaveCount(1);

    await phonePage.goto(`${urls.news}/`);
    await expect(phonePage.locator('user-box').getByRole('link', { name: 'Sign in' })).toBeVisible();
    await phone.close();
  });
});

test.describe('where a session began', () => {
  test.use({ timezoneId: 'Asia/Tokyo' });

  test('the account page names the place from the browser’s time zone, sent with the sign-in form', async ({ page, urls, user }) => {
    await signInOnService(page, urls.service, user.email, user.password);
    await expect(page).toHaveURL(`${urls.service}/account`);
    await expect(page.getByText(/Signed in in Tokyo, Asia from/)).toBeVisible();
  });
});
