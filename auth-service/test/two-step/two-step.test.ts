import { createHmac, hkdfSync } from 'node:crypto';
import { decodeJwt } from 'jose';
import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { base32Decode, hotp, totpStep } from '../../src/services/totp.js';
import { tokensFor } from '../oidc/amr.test.js';
import { createOidcTestApp, type OidcTestApp } from '../oidc/oidc-test-app.js';

type Agent = ReturnType<typeof supertest.agent>;

let t: OidcTestApp;
beforeEach(async () => {
  t = await createOidcTestApp();
});

const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
/** The code the user's app shows at the test clock's now (or `offsetSteps` steps from it). */
const codeAt = (secret: Buffer, now: number, offsetSteps = 0) => hotp(secret, totpStep(now) + offsetSteps);

/** A signed-in user who turns two-step verification on from the account page, as a person would. */
async function userWithTwoStep(): Promise<{ agent: Agent; email: string; password: string; id: string; secret: Buffer; recoveryCodes: string[] }> {
  const user = await t.createUser();
  const agent = supertest.agent(t.app).set('Origin', t.issuer);
  await agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
  const account = await agent.get('/account').expect(200);
  expect(account.text).toContain('Turn on two-step verification');
  await agent.post('/account/two-step/setup').type('form').send({ csrf: csrfOf(account.text) }).expect(303).expect('Location', /^\/account\/two-step\/setup\?account=[A-Za-z0-9_-]+$/);
  const setup = await agent.get('/account/two-step/setup').expect(200);
  expect(setup.text).toMatch(/<svg [^>]*viewBox/);
  expect(setup.text).not.toMatch(/style=/);
  const secretText = /id="totp-secret">([A-Z2-7 ]+)</.exec(setup.text)?.[1];
  expect(secretText).toBeDefined();
  const secret = base32Decode(secretText!);
  expect(secret.length).toBe(20);

  const wrong = await agent.post('/account/two-step/confirm').type('form').send({ csrf: csrfOf(setup.text), code: codeAt(secret, t.now.value, 5) });
  expect(wrong.status).toBe(401);
  expect(wrong.text).toContain('That code is not right');

  const done = await agent.post('/account/two-step/confirm').type('form').send({ csrf: csrfOf(setup.text), code: codeAt(secret, t.now.value) }).expect(200);
  const recoveryCodes = [...done.text.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
  expect(recoveryCodes).toHaveLength(10);
  expect(new Set(recoveryCodes).size).toBe(10);
  return { agent, ...user, secret, recoveryCodes };
}

/** The password step on the login page: answers the browser that now holds the pending sign-in. */
async function passwordStep(email: string, password: string, returnTo = `${t.issuer}/account`): Promise<{ browser: Agent; csrf: string; pendingCookie: string }> {
  const browser = supertest.agent(t.app).set('Origin', t.issuer);
  const login = await browser.get(`/login?return_to=${encodeURIComponent(returnTo)}`).expect(200);
  const res = await browser.post('/login').type('form').send({ email, password, return_to: returnTo, csrf: csrfOf(login.text) }).expect(303);
  expect(res.headers['location']).toBe(`/login/second-step?return_to=${encodeURIComponent(returnTo)}`);
  const page = await browser.get(res.headers['location'] as string).expect(200);
  expect(page.text).toContain('autocomplete="one-time-code"');
  const setCookies = res.headers['set-cookie'] as unknown as string[];
  const pendingCookie = setCookies.find((c) => c.startsWith('userbox_second_step='))!.split(';')[0]!;
  // No session cookie until the second step passes.
  expect(setCookies.some((c) => c.startsWith('userbox_session='))).toBe(false);
  return { browser, csrf: csrfOf(page.text), pendingCookie };
}

const codeStep = (browser: Agent, csrf: string, code: string, returnTo = `${t.issuer}/account`) =>
  browser.post('/login/second-step').type('form').send({ code, return_to: returnTo, csrf });

const whoIs = async (browser: Agent) => ((await browser.get('/api/me').expect(200)).body as { user: { email: string } | null }).user;

describe('turning two-step verification on', () => {
  it('shows the QR code and the key, needs a right first code, then shows 10 recovery codes and says it is on', async () => {
    const { agent } = await userWithTwoStep();
    const account = await agent.get('/account').expect(200);
    expect(account.text).toContain('On. 10 of 10 recovery codes left.');
  });

  it('keeps the secret encrypted and the recovery codes hashed', async () => {
    const { id, secret, recoveryCodes } = await userWithTwoStep();
    const row = await t.store.db.selectFrom('totp_credentials').selectAll().where('user_id', '=', id).executeTakeFirstOrThrow();
    expect(row.secret_encrypted).toMatch(/^v1\./);
    const { base32Encode } = await import('../../src/services/totp.js');
    expect(row.secret_encrypted).not.toContain(base32Encode(secret));
    const hashes = await t.store.db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', id).execute();
    expect(hashes).toHaveLength(10);
    for (const { code_hash } of hashes) for (const code of recoveryCodes) expect(code_hash).not.toContain(code.replace('-', ''));
  });
});

describe('signing in with a second step', () => {
  it('asks for the code after the password, opens no session before it, and then signs in with amr pwd otp mfa', async () => {
    const user = await userWithTwoStep();
    t.now.value += 60_000;
    const { browser, csrf } = await passwordStep(user.email, user.password);
    expect(await whoIs(browser)).toBeNull();
    const done = await codeStep(browser, csrf, codeAt(user.secret, t.now.value)).expect(303);
    expect(done.headers['location']).toBe(`${t.issuer}/account`);
    expect((await whoIs(browser))?.email).toBe(user.email);
    const id = decodeJwt((await tokensFor(t, browser)).id_token);
    expect(id['amr']).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('accepts a code once: the same code for a second sign-in is refused', async () => {
    const user = await userWithTwoStep();
    t.now.value += 60_000;
    const code = codeAt(user.secret, t.now.value);
    const first = await passwordStep(user.email, user.password);
    await codeStep(first.browser, first.csrf, code).expect(303);
    const second = await passwordStep(user.email, user.password);
    const again = await codeStep(second.browser, second.csrf, code).expect(401);
    expect(again.text).toContain('That code is not right.');
    expect(await whoIs(second.browser)).toBeNull();
  });

  it('the code that turned it on does not sign in', async () => {
    const user = await userWithTwoStep();
    const { browser, csrf } = await passwordStep(user.email, user.password);
    await codeStep(browser, csrf, codeAt(user.secret, t.now.value)).expect(401);
  });

  it('a recovery code signs in once, with any case and spacing', async () => {
    const user = await userWithTwoStep();
    const [code] = user.recoveryCodes;
    const first = await passwordStep(user.email, user.password);
    await codeStep(first.browser, first.csrf, ` ${code!.toUpperCase().replace('-', ' ')} `).expect(303);
    expect((await whoIs(first.browser))?.email).toBe(user.email);
    const second = await passwordStep(user.email, user.password);
    await codeStep(second.browser, second.csrf, code!).expect(401);
    const account = await first.browser.get('/account').expect(200);
    expect(account.text).toContain('9 of 10 recovery codes left.');
  });

  it('a recovery code made of digits alone is still a recovery code, not an app code', async () => {
    const user = await userWithTwoStep();
    // The service's own derivation of the recovery-code key, to plant a code whose ten characters are all digits.
    const key = Buffer.from(hkdfSync('sha256', t.secretKey, Buffer.alloc(0), 'userbox recovery codes v1', 32));
    const digits = '2345678923';
    await t.store.recoveryCodes.replaceAll(user.id, [createHmac('sha256', key).update(`${user.id}:${digits}`).digest('base64url')], t.now.value);
    const { browser, csrf } = await passwordStep(user.email, user.password);
    await codeStep(browser, csrf, '2345678923').expect(303);
  });

  it('is bound to the browser that gave the password: another one cannot complete it', async () => {
    const user = await userWithTwoStep();
    t.now.value += 60_000;
    await passwordStep(user.email, user.password);
    const stranger = supertest.agent(t.app).set('Origin', t.issuer);
    const page = await stranger.get('/login/second-step').expect(303);
    expect(page.headers['location']).toMatch(/^\/login\?/);
    const csrf = csrfOf((await stranger.get('/login').expect(200)).text);
    const res = await codeStep(stranger, csrf, codeAt(user.secret, t.now.value)).expect(401);
    expect(res.text).toContain('This sign-in has expired');
    expect(await whoIs(stranger)).toBeNull();
  });

  it('expires five minutes after the password', async () => {
    const user = await userWithTwoStep();
    const { browser, csrf } = await passwordStep(user.email, user.password);
    t.now.value += 5 * 60_000;
    const res = await codeStep(browser, csrf, codeAt(user.secret, t.now.value)).expect(401);
    expect(res.text).toContain('This sign-in has expired');
  });

  it('completes once: after it succeeded, its cookie opens nothing more', async () => {
    const user = await userWithTwoStep();
    t.now.value += 60_000;
    const { browser, csrf, pendingCookie: cookie } = await passwordStep(user.email, user.password);
    await codeStep(browser, csrf, codeAt(user.secret, t.now.value)).expect(303);
    t.now.value += 30_000;
    const replay = await supertest(t.app)
      .post('/api/session/second-step')
      .set('Origin', t.issuer)
      .set('Cookie', cookie)
      .send({ code: codeAt(user.secret, t.now.value) })
      .expect(401);
    expect((replay.body as { error: { code: string } }).error.code).toBe('SECOND_STEP_EXPIRED');
  });

  it('sends wrong codes through the sign-in throttle, and a pending sign-in dies after five', async () => {
    t = await createOidcTestApp();
    const user = await userWithTwoStep();
    const { browser, csrf } = await passwordStep(user.email, user.password);
    const wrong = codeAt(user.secret, t.now.value, 10);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await codeStep(browser, csrf, wrong)).status);
    // The throttle's free attempts (5 by default) counted the password too: the fifth wrong code must wait.
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses[4]).toBe(429);
    t.now.value += 60_000;
    const last = await codeStep(browser, csrf, wrong);
    expect(last.status).toBe(401);
    expect(last.text).toContain('Too many wrong codes');
    t.now.value += 60 * 60_000;
    const gone = await codeStep(browser, csrf, codeAt(user.secret, t.now.value));
    expect(gone.status).toBe(401);
    expect(gone.text).toContain('This sign-in has expired');
  });
});

describe('the JSON API does not skip the second step', () => {
  it('answers 401 SECOND_FACTOR_REQUIRED for the right password, then POST /api/session/second-step opens the session', async () => {
    const user = await userWithTwoStep();
    t.now.value += 60_000;
    const browser = supertest.agent(t.app).set('Origin', t.issuer);
    const first = await browser.post('/api/session').send({ email: user.email, password: user.password }).expect(401);
    expect((first.body as { error: { code: string } }).error.code).toBe('SECOND_FACTOR_REQUIRED');
    expect(await whoIs(browser)).toBeNull();
    const bad = await browser.post('/api/session/second-step').send({ code: '000000' }).expect(401);
    expect((bad.body as { error: { code: string } }).error.code).toBe('INVALID_CODE');
    const ok = await browser.post('/api/session/second-step').send({ code: codeAt(user.secret, t.now.value) }).expect(200);
    expect((ok.body as { user: { email: string } }).user.email).toBe(user.email);
    expect((await whoIs(browser))?.email).toBe(user.email);
  });

  it('a wrong password is still INVALID_CREDENTIALS, saying nothing about the second step', async () => {
    const user = await userWithTwoStep();
    const res = await supertest(t.app).post('/api/session').set('Origin', t.issuer).send({ email: user.email, password: 'not the password at all' }).expect(401);
    expect((res.body as { error: { code: string } }).error.code).toBe('INVALID_CREDENTIALS');
  });
});

describe('changing two-step verification needs fresh proof', () => {
  it('turning it off needs a code or the password; then sign-in asks for none', async () => {
    const user = await userWithTwoStep();
    const csrf = csrfOf((await user.agent.get('/account').expect(200)).text);
    const none = await user.agent.post('/account/two-step/disable').type('form').send({ csrf, code: '', password: '' });
    expect(none.status).toBe(400);
    const wrong = await user.agent.post('/account/two-step/disable').type('form').send({ csrf, password: 'wrong password here' });
    expect(wrong.status).toBe(401);
    expect((await user.agent.get('/account')).text).toContain('On. 10 of 10');
    await user.agent.post('/account/two-step/disable').type('form').send({ csrf, password: user.password }).expect(303).expect('Location', /^\/account\?account=[^&]+&done=two-step-off$/);
    const browser = supertest.agent(t.app).set('Origin', t.issuer);
    await browser.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
  });

  it('new recovery codes need a fresh code, and the old ones stop working', async () => {
    const user = await userWithTwoStep();
    t.now.value += 60_000;
    const csrf = csrfOf((await user.agent.get('/account').expect(200)).text);
    const refused = await user.agent.post('/account/two-step/recovery-codes').type('form').send({ csrf, code: codeAt(user.secret, t.now.value, -5) });
    expect(refused.status).toBe(401);
    const res = await user.agent.post('/account/two-step/recovery-codes').type('form').send({ csrf, code: codeAt(user.secret, t.now.value) }).expect(200);
    const fresh = [...res.text.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
    expect(fresh).toHaveLength(10);
    const old = await passwordStep(user.email, user.password);
    await codeStep(old.browser, old.csrf, user.recoveryCodes[0]!).expect(401);
    const next = await passwordStep(user.email, user.password);
    await codeStep(next.browser, next.csrf, fresh[0]!).expect(303);
  });
});
