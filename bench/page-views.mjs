// `npm run bench -- page-views` (also part of `npm run bench`): what 100 page views of a signed-in user cost the
// service, in cookie mode (the Mail and Calendar apps on the service's site) and token mode (the Shop app on
// another site), with the box's kept view (the default) and without it (`view-max-age="0"`, every view asks).
// A benchmark, not a test: it prints what it saw. Requests are counted from outside the browser, in the
// service's own request log (every request it answered: API calls, CORS preflights, /authorize, /token, and
// script fetches, 304 revalidations included). It starts the e2e set-up (e2e/support/services.ts) and drives
// Debian's Chromium through it.
import { execSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { startServices } from '../e2e/support/services.ts';
import { saveResult } from './lib.mjs';

const views = Number(process.env.BENCH_PAGE_VIEWS ?? 100);
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** @type {{ method: string, path: string, status: number }[]} */
const served = [];
const services = await startServices({ onServiceRequest: (r) => served.push(r) });
// Chromium keeps nothing in its HTTP cache from a server whose certificate it had to overlook, so the e2e
// set-up's `ignoreHTTPSErrors` would make every script a network fetch. Trust the run's certificate instead, as a
// browser trusts a real one.
const spki = execSync(
  `openssl x509 -pubkey -noout -in '${services.certFile}' | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`,
).toString().trim();
const browser = await chromium.launch({
  executablePath: existsSync(executablePath) ? executablePath : undefined,
  args: [
    '--host-resolver-rules=MAP *.test 127.0.0.1',
    '--disable-background-networking',
    '--disable-component-update',
    `--ignore-certificate-errors-spki-list=${spki}`,
    // Token mode's bounce, as browsers without FedCM take it and the e2e Chromium projects test it: with FedCM on,
    // the box would first wait for FedCM, whose refusal here (no well-known file on port 443, a login status it
    // does not know) comes after a random delay, and after 3 s the box no longer bounces (widget README, FedCM).
    '--disable-features=FedCm',
  ],
});

/** A fresh user signed in for `context`, as the e2e fixture does it (the session and sync cookies). */
async function signIn(context) {
  const user = { email: `bench-${randomUUID()}@example.test`, name: 'Ada Lovelace', password: `pw-${randomUUID()}` };
  const post = (path, data) =>
    context.request.post(`${services.serviceDirectUrl}${path}`, { data, headers: { Origin: services.serviceUrl }, ignoreHTTPSErrors: true });
  const created = await post('/api/users', user);
  if (created.status() !== 201) throw new Error(`sign-up: ${created.status()} ${await created.text()}`);
  const res = await post('/api/session', { email: user.email, password: user.password });
  if (res.status() !== 200) throw new Error(`sign-in: ${res.status()} ${await res.text()}`);
  const setCookie = res.headers()['set-cookie'] ?? '';
  const session = /__Host-userbox_session=([^;]*)/.exec(setCookie)?.[1];
  const sync = /userbox_sync=([^;]*);.*Domain=([^;]+)/im.exec(setCookie);
  // The request went to 127.0.0.1; the browser knows the service by its name.
  await context.clearCookies();
  await context.addCookies([
    { name: '__Host-userbox_session', value: session, domain: new URL(services.serviceUrl).hostname, path: '/', secure: true, httpOnly: true, sameSite: 'Lax' },
    { name: 'userbox_sync', value: sync[1], domain: `.${sync[2]}`, path: '/', secure: true, httpOnly: false, sameSite: 'Lax' },
  ]);
  return user;
}

/**
 * In every page: when the element was defined and when the account button first showed, on the page's clock, and
 * in which animation frame each happened (the button is looked for once per frame, before it is painted).
 */
const timingScript = () => {
  const w = /** @type {any} */ (window);
  let frame = 0;
  void customElements.whenDefined('user-box').then(() => {
    w.userboxDefined = performance.now();
    w.userboxDefinedFrame = frame;
  });
  const look = () => {
    frame += 1;
    if (document.querySelector('user-box')?.shadowRoot?.querySelector('[part=button]')) {
      w.userboxButton = performance.now();
      w.userboxButtonFrame = frame;
    } else requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
};

const median = (xs) => percentile(xs, 0.5);
function percentile(xs, p) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

/** 100 views in one browser context (one tab), round the `addresses`; the first visit of each is counted too. */
async function run(addresses, keep) {
  const context = await browser.newContext();
  const user = await signIn(context);
  const page = await context.newPage();
  await page.addInitScript(timingScript);
  // The service's log is flushed once a second: let the sign-in's lines arrive before counting.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const before = served.length;
  const toButton = [];
  const definedToButton = [];
  // Repeat views only (each app's second view on): frames from the element's definition to the button's.
  const repeatFrames = [];
  let afterFirstViews = before;
  for (let i = 0; i < views; i++) {
    if (i === addresses.length) {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      afterFirstViews = served.length;
    }
    const address = addresses[i % addresses.length] + (keep ? '' : '?view-max-age=0');
    await page.goto(address);
    await page
      .locator('user-box')
      .getByRole('button', { name: `Account: ${user.name}` })
      .waitFor({ timeout: 15_000 })
      .catch((err) => {
        throw new Error(`view ${i + 1}, ${address}: no account button (${err.message.split('\n')[0]})`);
      });
    await page.waitForFunction(() => window.userboxButton !== undefined);
    const t = await page.evaluate(() => ({
      button: window.userboxButton,
      defined: window.userboxDefined,
      frames: window.userboxButtonFrame - window.userboxDefinedFrame,
    }));
    toButton.push(t.button);
    definedToButton.push(t.button - t.defined);
    if (i >= addresses.length) repeatFrames.push(t.frames);
  }
  // The service's log is flushed once a second.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const requests = served.slice(before);
  await context.close();
  const scripts = requests.filter((r) => /^\/(userbox[\w-]*\.js|chunks\/)/.test(r.path));
  const other = requests.length - scripts.length;
  const repeat = served.length - afterFirstViews;
  return {
    'requests to the service / 100 views': Math.round((requests.length * 100) / views),
    'of them on repeat views (each app’s 2nd view on)': Math.round((repeat * 100) / views),
    'of them API, token, preflight, /authorize': Math.round((other * 100) / views),
    'of them scripts (200 / 304)': `${scripts.filter((r) => r.status === 200).length} / ${scripts.filter((r) => r.status === 304).length}`,
    'navigation → account button, median ms': Math.round(median(toButton)),
    'p95 ms': Math.round(percentile(toButton, 0.95)),
    'element defined → button, median ms': Math.round(median(definedToButton)),
    'repeat views with the button in the first frame after definition': `${repeatFrames.filter((n) => n <= 1).length} / ${repeatFrames.length}`,
    'calls by route': summarize(requests),
  };
}

function summarize(requests) {
  const counts = new Map();
  for (const r of requests) {
    const key = `${r.method} ${r.path.replace(/-[\w-]{8}\.js$/, '-*.js')}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} ×${n}`).join(', ');
}

const cookieApps = [`${services.mailUrl}/`, `${services.mailUrl}/cart`, services.apps.find((a) => a.id === 'calendar').url];
const tokenApps = [`${services.shopUrl}/`, `${services.shopUrl}/cart`];
const rows = {};
try {
  for (const [mode, addresses] of [['cookie mode (same site)', cookieApps], ['token mode (another site)', tokenApps]]) {
    for (const keep of [true, false]) {
      const row = await run(addresses, keep);
      rows[`${mode}, ${keep ? 'kept view' : 'view-max-age=0'}`] = row;
    }
  }
} finally {
  await browser.close();
  await services.stop();
}
saveResult('page-views', { views, rows });
const byRoute = Object.entries(rows).map(([name, row]) => [name, row['calls by route']]);
for (const row of Object.values(rows)) delete row['calls by route'];
console.log(`${views} page views of a signed-in user each (the first view of each app included):`);
console.table(rows);
for (const [name, calls] of byRoute) console.log(`${name}: ${calls}`);
