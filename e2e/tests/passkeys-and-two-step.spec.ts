import { createHash, createHmac, randomBytes } from 'node:crypto';
import { request, type BrowserContext, type Page, type Route } from '@playwright/test';
import { expect, signIn, test, type Urls } from '../support/fixtures.js';

async function signInWithPassword(page: Page, urls: Urls, email: string, password: string) {
  await page.goto(`${urls.service}/login?return_to=${encodeURIComponent(`${urls.service}/account`)}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function signOutHere(page: Page, urls: Urls) {
  await page.goto(`${urls.service}/account`);
  await page.getByRole('button', { name: /\(this device\)$/ }).click();
  await expect(page).toHaveURL(`${urls.service}/login`);
}

/** RFC 6238 with SHA-1, 6 digits, 30 s: what the user's authenticator app shows, `offset` steps from now. */
function totp(base32: string, offset = 0): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/\s/g, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + offset));
  const mac = createHmac('sha1', key).update(counter).digest();
  const at = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/**
 * A request from Node to the service as this browser: its cookies for the service, sent to the direct address
 * (the *.test names resolve only inside Chromium).
 */
async function asBrowser(context: BrowserContext, urls: Urls) {
  const cookies = await context.cookies(urls.service);
  return request.newContext({
    baseURL: urls.serviceDirect,
    ignoreHTTPSErrors: true,
    extraHTTPHeaders: { Cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '), Origin: urls.service },
  });
}

/** The ID token a relying party (the Shop client) receives for the browser's session, through the code flow. */
async function idTokenClaims(context: BrowserContext, urls: Urls): Promise<Record<string, unknown>> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = `${urls.shop}/`;
  const query = new URLSearchParams({ response_type: 'code', client_id: 'shop', redirect_uri: redirectUri, scope: 'openid', state: 's', code_challenge: challenge, code_challenge_method: 'S256' });
  const browser = await asBrowser(context, urls);
  const authorized = await browser.get(`/authorize?${query}`, { maxRedirects: 0 });
  expect(authorized.status()).toBe(303);
  const code = new URL(authorized.headers()['location']!).searchParams.get('code');
  expect(code, authorized.headers()['location']).toBeTruthy();
  await browser.dispose();
  // The relying party's back end redeems the code: no browser cookies, no Origin.
  const backEnd = await request.newContext({ baseURL: urls.serviceDirect, ignoreHTTPSErrors: true });
  const res = await backEnd.post('/token', { form: { grant_type: 'authorization_code', code: code!, redirect_uri: redirectUri, code_verifier: verifier, client_id: 'shop' } });
  expect(res.status(), await res.text()).toBe(200);
  const { id_token } = (await res.json()) as { id_token: string };
  await backEnd.dispose();
  return JSON.parse(Buffer.from(id_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

test.describe('passkeys', () => {
  test('add a passkey, sign out, sign in with it (button and autofill), a replay is refused, delete it', async ({ page, context, urls, user }) => {
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });

    await signInWithPassword(page, urls, user.email, user.password);
    await expect(page).toHaveURL(`${urls.service}/account`);
    await expect(page.getByText('No passkeys yet.')).toBeVisible();
    await page.getByLabel('Label for a new passkey').fill('Test laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(page.getByRole('status')).toHaveText('Your passkey was added.');
    const list = page.getByRole('list', { name: 'Your passkeys' });
    await expect(list.getByText('Test laptop', { exact: true })).toBeVisible();
    await expect(list.getByText('never used')).toBeVisible();

    // With the button, no email typed. The login page also starts autofill (a conditional request) when it loads,
    // which the virtual authenticator would answer by itself: that request's options are held back until the
    // button has been chosen, so it is the button's request that signs in.
    await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: false });
    await signOutHere(page, urls);
    const isOptions = (url: URL) => url.pathname === '/api/passkeys/sign-in/options';
    let held: Route | undefined;
    await page.route(isOptions, async (route) => {
      if (held === undefined) held = route;
      else await route.continue();
    });
    await page.goto(`${urls.service}/login?return_to=${encodeURIComponent(`${urls.news}/`)}`);
    await expect.poll(() => held !== undefined).toBe(true);
    await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: true });
    const posted = page.waitForRequest((r) => r.url().endsWith('/api/passkeys/sign-in') && r.method() === 'POST');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await expect(page).toHaveURL(`${urls.news}/`);
    await held!.abort().catch(() => undefined);
    await page.unroute(isOptions);
    // Signed in: a relying party gets an ID token for this browser's session, saying how.
    const claims = await idTokenClaims(context, urls);
    expect(claims['amr']).toEqual(['hwk', 'mfa']);

    // The same response again, from the same browser: its challenge is used up.
    const body = (await posted).postData()!;
    const browser = await asBrowser(context, urls);
    const replay = await browser.post('/api/passkeys/sign-in', { data: body, headers: { 'Content-Type': 'application/json' } });
    expect(replay.status()).toBe(400);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('PASSKEY_CHALLENGE_INVALID');
    await browser.dispose();

    // Through autofill on the email field (conditional mediation): the page asks at once, the virtual
    // authenticator answers as a user picking the passkey from the field's suggestions would, nothing is clicked.
    await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: false });
    await signOutHere(page, urls);
    await expect(page.getByLabel('Email')).toHaveAttribute('autocomplete', 'username webauthn');
    const autofilled = page.waitForRequest((r) => r.url().endsWith('/api/passkeys/sign-in') && r.method() === 'POST');
    await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: true });
    await page.goto(`${urls.service}/login?return_to=${encodeURIComponent(`${urls.service}/account`)}`);
    await autofilled;
    await expect(page).toHaveURL(`${urls.service}/account`);
    await expect(list.getByText(/last used/)).toBeVisible();

    await page.getByRole('button', { name: 'Delete passkey Test laptop' }).click();
    await expect(page.getByRole('status')).toHaveText('Your passkey was deleted.');
    await expect(page.getByText('No passkeys yet.')).toBeVisible();
  });
});

test.describe('passkeys and several accounts', () => {
  test('"Add another account" with a passkey: the passkey account joins the browser\'s, the first stays the default', async ({ page, context, urls, makeUser }) => {
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    // The virtual authenticator answers the login page's autofill at once; held back while the test signs out.
    const autofill = (enabled: boolean) => cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
    const a = await makeUser({ name: 'Ada Password' });
    const b = await makeUser({ name: 'Bob Passkey' });

    // B adds a passkey, then this browser signs out of everything and signs in to A alone.
    await signInWithPassword(page, urls, b.email, b.password);
    await expect(page).toHaveURL(`${urls.service}/account`);
    await page.getByLabel('Label for a new passkey').fill('Bob phone');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(page.getByRole('status')).toHaveText('Your passkey was added.');
    await autofill(false);
    await page.getByRole('button', { name: 'Sign out of all accounts' }).click();
    await expect(page).toHaveURL(`${urls.service}/login`);
    await signIn(context, urls, a);
    // Off the sign-in page first, so its pending autofill request cannot answer once presence is back on.
    await page.goto('about:blank');
    await autofill(true);

    // The login page in add mode signs in with the passkey (autofill answers at once, as a user picking it).
    const posted = page.waitForRequest((r) => r.url().endsWith('/api/passkeys/sign-in') && r.method() === 'POST');
    // Only until the page commits: the autofill sign-in may navigate on before the page's load event.
    await page.goto(`${urls.service}/login?add=1&return_to=${encodeURIComponent(`${urls.service}/account`)}`, { waitUntil: 'commit' });
    expect(JSON.parse((await posted).postData()!)).toMatchObject({ add: true });
    await expect(page).toHaveURL(`${urls.service}/account`);
    // A stays the default (the new account went last), and both are listed: one copy each.
    await expect(page.getByLabel('Name')).toHaveValue(a.name);
    const browser = await asBrowser(context, urls);
    const me = (await (await browser.get('/api/me')).json()) as { user: { email: string }; accounts: { email: string }[] };
    await browser.dispose();
    expect(me.user.email).toBe(a.email);
    expect(me.accounts.map((x) => x.email)).toEqual([a.email, b.email]);
  });
});

test.describe('two-step verification', () => {
  test('turn it on, sign in with a code, a reused code is refused, a recovery code works once, wrong codes are throttled', async ({ page, context, urls, user }) => {
    await signInWithPassword(page, urls, user.email, user.password);
    await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
    await expect(page.getByRole('img', { name: 'QR code for your authenticator app' }).locator('svg')).toBeVisible();
    const secret = (await page.locator('#totp-secret').textContent())!;
    await page.getByLabel('Code from the app').fill(totp(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await expect(page.getByRole('status')).toHaveText('Two-step verification is on.');
    const recovery = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
    expect(recovery).toHaveLength(10);

    // The password alone no longer signs in; the next step's code does (the first one was used to turn it on).
    await signOutHere(page, urls);
    await signInWithPassword(page, urls, user.email, user.password);
    await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
    const code = totp(secret, 1);
    await page.getByLabel('Code from your authenticator app').fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page).toHaveURL(`${urls.service}/account`);
    expect((await idTokenClaims(context, urls))['amr']).toEqual(['pwd', 'otp', 'mfa']);

    // The same code once more is refused.
    await signOutHere(page, urls);
    await signInWithPassword(page, urls, user.email, user.password);
    await page.getByLabel('Code from your authenticator app').fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('alert')).toHaveText('That code is not right.');

    // A recovery code, once.
    await page.getByLabel('Code from your authenticator app').fill(recovery[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page).toHaveURL(`${urls.service}/account`);
    await expect(page.getByText('9 of 10 recovery codes left.')).toBeVisible();
    await signOutHere(page, urls);
    await signInWithPassword(page, urls, user.email, user.password);
    await page.getByLabel('Code from your authenticator app').fill(recovery[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('alert')).toHaveText('That code is not right.');

    // Wrong codes go through the sign-in throttle.
    let throttled = false;
    for (let i = 0; i < 6 && !throttled; i += 1) {
      await page.getByLabel('Code from your authenticator app').fill('000000');
      await page.getByRole('button', { name: 'Verify' }).click();
      const text = await page.getByRole('alert').textContent();
      throttled = text?.includes('Too many attempts') ?? false;
    }
    expect(throttled).toBe(true);
  });
});
