import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, signIn, test } from '../support/fixtures.js';

// Not a test of behaviour: `npm run screenshots` runs this to refresh docs/screenshots/widget-*.png.
const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');

test.use({ viewport: { width: 560, height: 440 }, deviceScaleFactor: 2 });

const shots = [
  { file: 'widget-signed-out.png', query: '', open: null, signedIn: false },
  { file: 'widget-light.png', query: '', open: null, signedIn: true },
  { file: 'widget-menu-open.png', query: '', open: 'Account: Ada Lovelace', signedIn: true },
  { file: 'widget-launcher-open.png', query: '', open: 'Apps', signedIn: true },
  { file: 'widget-dark.png', query: '?theme=dark&dark', open: 'Account: Ada Lovelace', signedIn: true },
  { file: 'widget-rtl.png', query: '?lang=ar&page-lang=ar&dir=rtl', open: 'الحساب: Ada Lovelace', signedIn: true },
] as const;

test('screenshots of <user-box> for the docs', async ({ browser, urls, makeUser }) => {
  // One user for every picture (emails are unique, so not the address screenshots.spec.ts uses).
  const user = await makeUser({ name: 'Ada Lovelace', email: 'ada@example.org' });
  for (const shot of shots) {
    const context = await browser.newContext();
    const page = await context.newPage();
    if (shot.signedIn) await signIn(context, urls, user);
    await page.goto(`${urls.mail}/${shot.query}`);
    const box = page.locator('user-box');
    if (!shot.signedIn) await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();
    else await expect(box.getByRole('button', { name: /Ada Lovelace/ })).toBeVisible();
    if (shot.open) {
      await box.getByRole('button', { name: shot.open }).click();
      await expect(box.getByRole('menu')).toBeVisible();
      // Icons are images: wait until each has loaded so the picture is complete.
      await expect
        .poll(() => box.locator('img').evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).complete)))
        .toBe(true);
    }
    await page.screenshot({ path: path.join(out, shot.file) });
    await context.close();
  }
});
