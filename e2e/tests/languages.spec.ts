import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from '../support/fixtures.js';

/** No axe violations on the page as it is now. */
async function expectNoAxeViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** Records what the strict CSP blocks on `page`. */
async function blockedByCsp(page: Page): Promise<string[]> {
  const blocked: string[] = [];
  await page.exposeFunction('reportCspViolation', (what: string) => blocked.push(what));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { reportCspViolation(w: string): void }).reportCspViolation(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return blocked;
}

// The service's pages in the box's languages, chosen by the lang= the box passes on.
test.describe('the service in German and Arabic', () => {
  test('the German sign-in page: lang=de, German words, and a refused password answered in German', async ({ page, urls, user }) => {
    const blocked = await blockedByCsp(page);
    await page.goto(`${urls.service}/login?lang=de&return_to=${encodeURIComponent(`${urls.news}/`)}`);
    await expect(page.locator('html')).toHaveAttribute('lang', 'de');
    await expect(page.locator('html')).toHaveAttribute('dir', 'ltr');
    await expect(page.getByRole('heading', { name: 'Anmelden' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Passwort vergessen?' })).toHaveAttribute('href', '/forgot-password?lang=de');
    await page.getByLabel('E-Mail').fill(user.email);
    await page.getByLabel('Passwort').fill('not the password at all');
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await expect(page.getByRole('alert')).toHaveText('E-Mail-Adresse oder Passwort falsch.');
    await expect(page.locator('html')).toHaveAttribute('lang', 'de');
    await expectNoAxeViolations(page);
    expect(blocked).toEqual([]);
  });

  test('the Arabic sign-in page is right to left, mirrored, and signs in', async ({ page, urls, user }) => {
    const blocked = await blockedByCsp(page);
    await page.goto(`${urls.service}/login?lang=ar&return_to=${encodeURIComponent(`${urls.news}/`)}`);
    await expect(page.locator('html')).toHaveAttribute('lang', 'ar');
    await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
    const heading = page.getByRole('heading', { name: 'تسجيل الدخول' });
    await expect(heading).toBeVisible();
    // Mirrored: a line of text starts at the card's right edge.
    const card = (await page.locator('main').boundingBox())!;
    const line = (await page.getByRole('link', { name: 'هل نسيت كلمة المرور؟' }).boundingBox())!;
    expect(card.x + card.width - (line.x + line.width)).toBeLessThan(line.x - card.x);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath('login-ar.png') });

    await page.getByLabel('البريد الإلكتروني').fill(user.email);
    await page.getByLabel('كلمة المرور').fill(user.password);
    await page.getByRole('button', { name: 'تسجيل الدخول' }).click();
    await expect(page).toHaveURL(`${urls.news}/`);
    await expect(page.locator('user-box').getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();
    expect(blocked).toEqual([]);
  });

  test('a German box in token mode (another site) opens the German sign-in page, through ui_locales', async ({ page, urls, user }) => {
    await page.goto(`${urls.shop}/?lang=de`);
    const signIn = page.locator('user-box').getByRole('link', { name: 'Anmelden' });
    await expect(signIn).toHaveAttribute('href', /^https:\/\/[^/]+\/authorize\?.*ui_locales=de/);
    await signIn.click();
    await expect(page.getByRole('heading', { name: 'Anmelden' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'de');
    await page.getByLabel('E-Mail').fill(user.email);
    await page.getByLabel('Passwort').fill(user.password);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await expect(page.locator('user-box').getByRole('button', { name: `Konto: ${user.name}` })).toBeVisible();
  });
});

test.describe('the box says "Verify your email"', () => {
  test('verify line → Send a new link → the German mail arrives → follow it → the box shows the address verified', async ({ context, page, urls, mailbox, signedInUser: user }) => {
    await page.goto(`${urls.mail}/?lang=de`);
    const box = page.locator('user-box');
    const account = box.getByRole('button', { name: `Konto: ${user.name}` });
    await account.focus();
    await page.keyboard.press('Enter');
    const verify = box.getByRole('status');
    await expect(verify).toHaveText('Bestätigen Sie Ihre E-Mail-Adresse');
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath('box-verify-de.png') });

    // By keyboard: Konto verwalten, then Neuen Link senden; the panel stays open to say it went.
    await expect(box.getByRole('menuitem', { name: 'Konto verwalten' })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    const resend = box.getByRole('menuitem', { name: 'Neuen Link senden' });
    await expect(resend).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(verify).toHaveText('Gesendet. Sehen Sie in Ihr Postfach.');
    await expect(resend).toBeVisible();
    await page.screenshot({ path: test.info().outputPath('box-verify-sent-de.png') });

    const mail = await mailbox.waitFor(user.email, 'Bestätigen Sie Ihre E-Mail-Adresse');
    expect(mail.text).toContain(`Hallo ${user.name},`);
    const link = mailbox.linkIn(mail, urls.service);
    expect(link).toMatch(/&lang=de$/);
    const tab = await context.newPage();
    await tab.goto(link);
    await expect(tab.locator('html')).toHaveAttribute('lang', 'de');
    await tab.getByRole('button', { name: 'Meine Adresse bestätigen' }).click();
    await expect(tab.getByRole('status')).toHaveText('Ihre E-Mail-Adresse ist bestätigt.');
    await tab.close();

    // Back on the app's tab, the box asks again and the line is gone.
    await page.bringToFront();
    await page.reload();
    await box.getByRole('button', { name: `Konto: ${user.name}` }).click();
    await expect(box.getByRole('menuitem', { name: 'Konto verwalten' })).toBeVisible();
    await expect(box.getByText('Bestätigen Sie Ihre E-Mail-Adresse')).toHaveCount(0);
    await expect(box.getByRole('menuitem', { name: 'Neuen Link senden' })).toHaveCount(0);
  });

  test('in Arabic, right to left, and it says so politely when too many links were asked for', async ({ page, urls, signedInUser: user }) => {
    await page.goto(`${urls.mail}/?lang=ar&page-lang=ar&dir=rtl`);
    const box = page.locator('user-box');
    await box.getByRole('button', { name: `الحساب: ${user.name}` }).click();
    const verify = box.getByRole('status');
    await expect(verify).toHaveText('أكِّد بريدك الإلكتروني');
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath('box-verify-ar.png') });
    const resend = box.getByRole('menuitem', { name: 'إرسال رابط جديد' });
    // The service allows a few links an hour per address (MAIL_LIMIT_PER_ADDRESS_PER_HOUR), then answers 429.
    let status = 0;
    for (let i = 0; i < 10 && status !== 429; i++) {
      const [answer] = await Promise.all([page.waitForResponse((r) => r.url().includes('/api/me/email/verification')), resend.click()]);
      status = answer.status();
      if (status !== 429) await expect(verify).toHaveText('تم الإرسال. تحقّق من بريدك.');
    }
    expect(status).toBe(429);
    await expect(verify).toHaveText('طُلبت روابط كثيرة جدًا. حاول مرة أخرى لاحقًا.');
  });
});
