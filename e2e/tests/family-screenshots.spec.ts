import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, signIn, test } from '../support/fixtures.js';

// Not a test of behaviour: `npm run screenshots` runs this to refresh docs/screenshots/two-hosts.png, the
// README's picture of two host examples in different stacks (and on different sites) showing the same user.
const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');

test.use({ viewport: { width: 600, height: 280 }, deviceScaleFactor: 2 });

test('two hosts showing the same user, for the README', async ({ context, urls, makeUser }) => {
  const user = await makeUser({ name: 'Ada Lovelace', email: 'ada@example.net' });
  await signIn(context, urls, user);
  const hosts = [
    { caption: 'React single-page app · host-examples/react', url: urls.react, heading: `Your dashboard, ${user.name}` },
    { caption: 'Express, server-rendered, on another site · host-examples/express-ssr', url: urls.ssr, heading: `Hello, ${user.name}` },
  ];
  const shots: { caption: string; png: string }[] = [];
  for (const host of hosts) {
    const page = await context.newPage();
    await page.goto(`${host.url}/`);
    await expect(page.locator('user-box').getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();
    await expect(page.getByRole('heading', { name: host.heading })).toBeVisible();
    shots.push({ caption: host.caption, png: (await page.screenshot()).toString('base64') });
    await page.close();
  }

  // Side by side, each in a plain window frame with its caption.
  const sheet = await context.newPage();
  await sheet.setViewportSize({ width: 1280, height: 360 });
  await sheet.setContent(`<!doctype html>
<style>
  body { margin: 0; padding: 16px; display: flex; gap: 16px; background: #f1f3f4; font: 13px system-ui, sans-serif; color: #444746; }
  figure { margin: 0; flex: 1; border: 1px solid #dadce0; border-radius: 10px; overflow: hidden; background: #fff; }
  figcaption { padding: 6px 12px; background: #e8eaed; border-bottom: 1px solid #dadce0; }
  img { display: block; width: 100%; }
</style>
${shots.map((s) => `<figure><figcaption>${s.caption}</figcaption><img src="data:image/png;base64,${s.png}"></figure>`).join('\n')}`);
  await sheet.locator('body').screenshot({ path: path.join(out, 'two-hosts.png') });
});
