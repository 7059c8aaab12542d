import type { Page } from '@playwright/test';
import { expect, signIn, test } from '../support/fixtures.js';
import { fetchFromService } from '../support/widget.js';

// Part of the hostile suite (npm run test:hostile). Names, emails, pictures and app names are written by
// users and shown by the box on other people's sites. Every payload tries to set window.__xss; none may.
const run = 'window.__xss=1';
const payloads = [
  `<script>${run}</script>`,
  `<img src=x onerror="${run}">`,
  `<img src=x onerror=${run}>`,
  `"><img src=x onerror=${run}>`,
  `'><img src=x onerror=${run}>`,
  `"><svg onload=${run}>`,
  `<svg><script>${run}</script></svg>`,
  `<svg/onload=${run}>`,
  `<body onload=${run}>`,
  `<iframe src="javascript:${run}"></iframe>`,
  `<iframe srcdoc="<script>parent.__xss=1</script>">`,
  `<a href="javascript:${run}">x</a>`,
  `<math><mtext><table><mglyph><style><img src=x onerror=${run}>`,
  `<details open ontoggle=${run}>`,
  `<video><source onerror=${run}></video>`,
  `<audio src=x onerror=${run}>`,
  `<input autofocus onfocus=${run}>`,
  `<select autofocus onfocus=${run}>`,
  `<textarea autofocus onfocus=${run}>`,
  `<marquee onstart=${run}>`,
  `<object data="javascript:${run}">`,
  `<embed src="javascript:${run}">`,
  `<form><button formaction=javascript:${run}>x`,
  `<isindex type=image src=1 onerror=${run}>`,
  `<div style="background:url(javascript:${run})">`,
  `<style>@import 'javascript:${run}';</style>`,
  `<link rel=import href="data:text/html,<script>parent.__xss=1</script>">`,
  `<meta http-equiv="refresh" content="0;url=javascript:${run}">`,
  `<base href="javascript:${run}//">`,
  `<template><img src=x onerror=${run}></template>`,
  `<noscript><p title="</noscript><img src=x onerror=${run}>">`,
  `<!--<img src="--><img src=x onerror=${run}//">`,
  `<![CDATA[<img src=x onerror=${run}>]]>`,
  `\${${run}}`,
  `{{constructor.constructor('${run}')()}}`,
  `<scr<script>ipt>${run}</scr</script>ipt>`,
  `<ScRiPt>${run}</sCrIpT>`,
  `<img src=x onerror=&#119;indow.__xss=1>`,
  `<img src=x onerror=\\u0077indow.__xss=1>`,
  `<img src="x` + '`' + `onerror=${run}>`,
  `"onmouseover="${run}`,
  `' onfocus='${run}' autofocus='`,
  `javascript:${run}`,
  `data:text/html,<script>${run}</script>`,
  `<img src=x:alert(1) onerror=eval(atob('d2luZG93Ll9feHNzPTE='))>`,
  `<svg><animate onbegin=${run} attributeName=x dur=1s>`,
  `<svg><a><animate attributeName=href values=javascript:${run} /><text x=20 y=20>x</text></a>`,
  `<x contenteditable onblur=${run}>lose focus`,
  `<keygen autofocus onfocus=${run}>`,
  `<frameset onload=${run}>`,
  `<table background="javascript:${run}">`,
  `<lit-html>\${unsafe}</lit-html><user-box service="https://evil.test"></user-box>`,
  `<slot name=x onslotchange=${run}>`,
  `</title><img src=x onerror=${run}>`,
].map((p) => p.slice(0, 80));

async function assertNothingRan(page: Page) {
  const report = await page.evaluate(() => {
    const box = document.querySelector('user-box')!;
    const root = box.shadowRoot!;
    // The host page's own snippet is the one script expected in the light DOM.
    const hostScript = (el: Element) => el.localName === 'script' && /\/userbox(\.iife)?\.js$/.test(el.getAttribute('src') ?? '');
    const all = [...root.querySelectorAll('*'), ...[...document.querySelectorAll('body *')].filter((el) => !hostScript(el))];
    return {
      xss: (window as unknown as { __xss?: unknown }).__xss ?? null,
      dangerous: all.filter((el) => /^(script|iframe|object|embed|frame|frameset|base|meta|link|style|form|math|svg)$/i.test(el.localName) && !el.closest('svg[aria-hidden="true"], svg[part]')).map((el) => el.localName),
      handlers: all.flatMap((el) => [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => `${el.localName}[${a.name}]`)),
      jsLinks: all.flatMap((el) => ['href', 'src', 'action', 'formaction', 'data'].filter((n) => /^\s*(javascript|data):/i.test(el.getAttribute(n) ?? '')).map((n) => `${el.localName}[${n}]`)),
      userBoxes: document.querySelectorAll('user-box').length,
    };
  });
  expect(report).toEqual({ xss: null, dangerous: [], handlers: [], jsLinks: [], userBoxes: 1 });
}

test.describe('hostile names, emails, pictures and app names', () => {
  test(`${payloads.length} payloads as user names are shown as text and run nothing`, async ({ page, context, urls, makeUser }) => {
    test.setTimeout(180_000);
    expect(payloads.length).toBeGreaterThanOrEqual(50);
    for (const [i, name] of payloads.entries()) {
      const user = await makeUser({ name });
      await context.clearCookies();
      await signIn(context, urls, user);
      await page.goto(`${urls.news}/?payload=${i}`);
      const account = page.locator('user-box').getByRole('button', { name: `Account: ${name.trim()}` });
      await expect(account, `payload ${i}`).toBeVisible();
      await account.click();
      await expect(page.locator('user-box').getByText(name.trim(), { exact: true }).first()).toBeVisible();
      await assertNothingRan(page);
    }
  });

  test('hostile emails are refused by the service or shown as text', async ({ page, context, urls, makeUser }) => {
    const accepted: string[] = [];
    for (const local of ['"<img src=x onerror=window.__xss=1>"', '"><svg/onload=window.__xss=1>', "o'reilly+<b>x</b>"]) {
      const email = `${local}@example.test`;
      try {
        const user = await makeUser({ email });
        accepted.push(email);
        await context.clearCookies();
        await signIn(context, urls, user);
        await page.goto(`${urls.news}/`);
        await page.locator('user-box').getByRole('button', { name: /^Account: / }).click();
        await expect(page.locator('user-box').getByText(user.email, { exact: true })).toBeVisible();
        await assertNothingRan(page);
      } catch (err) {
        // Refused at sign-up (400) is the other acceptable outcome; anything else is a failure.
        expect(String(err)).toContain('400');
      }
    }
    test.info().annotations.push({ type: 'accepted emails', description: String(accepted.length) });
  });

  test('hostile pictures and app entries from a compromised answer become no link and no image', async ({ page, context, urls, user }) => {
    await signIn(context, urls, user);
    const pictures = ['javascript:window.__xss=1', 'data:image/svg+xml,<svg onload="window.__xss=1"/>', 'http://evil.test/track.png', ' javascript:window.__xss=1', 'JAVASCRIPT:window.__xss=1'];
    let picture = pictures[0]!;
    await page.route(/\/api\/me$/, async (route) => {
      const res = await fetchFromService(route, urls);
      const body = (await res.json()) as { user: Record<string, unknown> };
      body.user['picture'] = picture;
      body.user['name'] = `<img src=x onerror=window.__xss=1>`;
      body.user['color'] = 'red;background:url(javascript:window.__xss=1)';
      await route.fulfill({ response: res, json: body });
    });
    await page.route(/\/api\/apps$/, (route) =>
      route.fulfill({
        json: {
          apps: payloads.slice(0, 20).map((name, i) => ({
            id: `app${i}`,
            name,
            url: i % 2 ? `javascript:window.__xss=${i}` : `data:text/html,<script>parent.__xss=${i}</script>`,
            icon: i % 2 ? `javascript:window.__xss=${i}` : `data:image/svg+xml,<svg onload="window.__xss=${i}"/>`,
          })),
        },
        headers: { 'access-control-allow-origin': urls.news, 'access-control-allow-credentials': 'true' },
      }),
    );
    for (picture of pictures) {
      await page.goto(`${urls.news}/`);
      const account = page.locator('user-box').getByRole('button', { name: /^Account: / });
      await expect(account).toBeVisible();
      await account.click();
      // None of these pictures is an https URL (or on the service), so none may become an image.
      const images = await page.locator('user-box').locator('img').evaluateAll((imgs) => imgs.map((i) => i.getAttribute('src')));
      expect(images, picture).toEqual([]);
      await page.keyboard.press('Escape');
      const apps = page.locator('user-box').getByRole('button', { name: 'Apps' });
      await apps.click();
      await expect(apps).toHaveAttribute('aria-expanded', 'true');
      // Whatever the launcher chose to list, its names are text: count what it shows, for the record.
      const listed = await page.locator('user-box').getByRole('menuitem').count();
      test.info().annotations.push({ type: 'hostile apps listed', description: String(listed) });
      await assertNothingRan(page);
    }
  });
});
