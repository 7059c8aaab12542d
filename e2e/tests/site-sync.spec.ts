import { expect, test } from '../support/fixtures.js';
import { openShowingUser, signOutThroughBox } from '../support/widget.js';

// News (news.example.test) and Mail (mail.example.test) are two origins of one site: a BroadcastChannel cannot
// join them, the service's site-wide `userbox_sync` cookie does.
test.describe('<user-box> across the apps of one site', () => {
  test('a sign-out in one app reaches an open tab of another app without a focus or a reload', async ({ context, urls, signedInUser: user }) => {
    const news = await context.newPage();
    const { box: newsBox } = await openShowingUser(news, `${urls.news}/`, user);
    // Any focus or visibility event the News tab hears from now on is counted: the update must not need one.
    await news.evaluate(() => {
      const w = window as unknown as { wakeEvents: string[] };
      w.wakeEvents = [];
      for (const type of ['focus', 'visibilitychange']) addEventListener(type, () => w.wakeEvents.push(type), true);
      document.addEventListener('visibilitychange', () => w.wakeEvents.push('visibilitychange'), true);
    });

    await signOutThroughBox(context, `${urls.mail}/`, user);

    await expect(newsBox.getByRole('link', { name: 'Sign in' })).toBeVisible();
    expect(await news.evaluate(() => (window as unknown as { wakeEvents: string[] }).wakeEvents)).toEqual([]);
  });

  test('a sign-in on the service’s own login page reaches an open tab of an app', async ({ page, context, urls, user }) => {
    await page.goto(`${urls.mail}/`);
    const box = page.locator('user-box');
    await expect(box.getByRole('link', { name: 'Sign in' })).toBeVisible();

    const login = await context.newPage();
    await login.goto(`${urls.service}/login`);
    await login.getByLabel('Email').fill(user.email);
    await login.getByLabel('Password').fill(user.password);
    await login.getByRole('button', { name: 'Sign in' }).click();
    await expect(login).toHaveURL(new RegExp(`^${urls.service}/account`));

    await expect(box.getByRole('button', { name: `Account: ${user.name}` })).toBeVisible();
  });
});
