import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, signInAccounts, test } from '../support/fixtures.js';

// Not a test of behaviour: `npm run screenshots` runs this to refresh the pictures in docs/screenshots.
const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');

test.use({ viewport: { width: 720, height: 400 }, deviceScaleFactor: 2 });

test('screenshots of the box for the docs', async ({ page, context, urls, makeUser }) => {
  const user = await makeUser({ name: 'Ada Lovelace', email: 'ada@example.com' });
  await page.goto(`${urls.news}/`);
  const box = page.locator('user-box');
  await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await page.screenshot({ path: path.join(out, 'signed-out.png') });

  await box.getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.screenshot({ path: path.join(out, 'login.png') });
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(box.getByRole('button', { name: 'Account: Ada Lovelace' })).toBeVisible();

  // With a second account signed in beside the first, as the menu lists them.
  const second = await makeUser({ name: 'Grace Hopper', email: 'grace@example.com' });
  await signInAccounts(context, urls, [user, second]);
  await page.setViewportSize({ width: 720, height: 540 });
  await page.reload();
  await box.getByRole('button', { name: 'Account: Ada Lovelace' }).click();
  await expect(box.getByRole('menu')).toBeVisible();
  await page.screenshot({ path: path.join(out, 'menu-open.png') });

  await page.setViewportSize({ width: 720, height: 1000 });
  await page.goto(`${urls.service}/account`);
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  await page.screenshot({ path: path.join(out, 'account.png'), fullPage: true });
});

test('screenshots of the service and the box in Arabic, right to left', async ({ page, urls, makeUser }) => {
  const user = await makeUser({ name: 'Ada Lovelace', email: 'ada@example.com' });
  await page.goto(`${urls.service}/login?lang=ar&return_to=${encodeURIComponent(`${urls.mail}/?lang=ar&page-lang=ar&dir=rtl`)}`);
  await page.getByLabel('البريد الإلكتروني').fill(user.email);
  await page.getByLabel('كلمة المرور').fill(user.password);
  await page.screenshot({ path: path.join(out, 'login-ar.png') });
  await page.getByRole('button', { name: 'تسجيل الدخول' }).click();

  // A fresh account: the panel says "Verify your email", with Send a new link.
  const box = page.locator('user-box');
  await box.getByRole('button', { name: 'الحساب: Ada Lovelace' }).click();
  await expect(box.getByRole('status')).toHaveText('أكِّد بريدك الإلكتروني');
  await page.screenshot({ path: path.join(out, 'widget-verify-ar.png') });
});
