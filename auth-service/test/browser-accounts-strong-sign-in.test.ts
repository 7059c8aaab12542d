import { decodeJwt } from 'jose';
import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { base32Decode, hotp, totpStep } from '../src/services/totp.js';
import { authorize, newsRedirect, pkcePair, postForm, type TokenResponse } from './oidc/oidc-test-app.js';
import { createOidcTestApp, type OidcTestApp } from './oidc/oidc-test-app.js';
import { createSoftAuthenticator } from './passkeys/soft-authenticator.js';

// Several accounts in one browser (issue 14) signed in by a second step or a passkey (issue 15): the same rules
// as a password sign-in, whichever way the account came in.

type Agent = ReturnType<typeof supertest.agent>;
interface Entry {
  id: string;
  email: string;
  current: boolean;
}

let t: OidcTestApp;
let authenticator: ReturnType<typeof createSoftAuthenticator>;
beforeEach(async () => {
  t = await createOidcTestApp();
  authenticator = createSoftAuthenticator({ rpId: new URL(t.issuer).hostname, origin: t.issuer });
});

const browser = (): Agent => supertest.agent(t.app).set('Origin', t.issuer);
const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
const codeAt = (secret: Buffer, now: number, offsetSteps = 0) => hotp(secret, totpStep(now) + offsetSteps);
/** The session tokens of a browser's cookie, as the jar holds them. */
const cookieTokens = (agent: Agent): string[] => {
  const jar = (agent as unknown as { jar: { getCookie(name: string, access: unknown): { value: string } | undefined } }).jar;
  // supertest talks to the app on 127.0.0.1, where the jar keeps its cookies.
  const access = { domain: '127.0.0.1', path: '/', secure: false, script: false };
  return (jar.getCookie('userbox_session', access)?.value ?? '').split('.').filter(Boolean);
};

/** A user who turned two-step verification on from the account page (in a browser of their own). */
async function userWithTwoStep(): Promise<{ email: string; password: string; id: string; secret: Buffer }> {
  const user = await t.createUser({ name: 'Bob Two-Step' });
  const agent = browser();
  await agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
  const account = await agent.get('/account').expect(200);
  await agent.post('/account/two-step/setup').type('form').send({ csrf: csrfOf(account.text) }).expect(303);
  const setup = await agent.get('/account/two-step/setup').expect(200);
  const secret = base32Decode(/id="totp-secret">([A-Z2-7 ]+)</.exec(setup.text)![1]!);
  await agent.post('/account/two-step/confirm').type('form').send({ csrf: csrfOf(setup.text), code: codeAt(secret, t.now.value) }).expect(200);
  // The next code: the one that turned it on is used.
  t.now.value += 30_000;
  return { ...user, secret };
}

/** A user with a passkey registered (in a browser of their own); answers the credential id. */
async function userWithPasskey(): Promise<{ email: string; id: string; credentialId: string }> {
  const user = await t.createUser({ name: 'Cy Passkey' });
  const agent = browser();
  await agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
  const options = (await agent.post('/api/passkeys/registration/options').send({}).expect(200)).body as { challenge: string; user: { id: string } };
  const res = await agent.post('/api/passkeys/registration').send({ name: 'Phone', response: authenticator.register(options) }).expect(201);
  return { ...user, credentialId: (res.body as { passkey: { id: string } }).passkey.id };
}

/** A browser signed in to a plain password account A. */
async function browserWithA() {
  const a = await t.createUser({ name: 'Ada Password' });
  const agent = browser();
  const res = await agent.post('/api/session').send({ email: a.email, password: a.password }).expect(200);
  return { agent, a, handleA: (res.body.accounts as Entry[])[0]!.id };
}

describe('adding an account through the second step', () => {
  it('over the JSON API with add: both accounts listed, one token each in the cookie', async () => {
    const b = await userWithTwoStep();
    const { agent, a, handleA } = await browserWithA();
    const first = await agent.post('/api/session').send({ email: b.email, password: b.password, add: true }).expect(401);
    expect(first.body.error.code).toBe('SECOND_FACTOR_REQUIRED');
    // Nothing changed yet: still A alone.
    expect((await agent.get('/api/me').expect(200)).body.accounts).toHaveLength(1);
    const done = await agent.post('/api/session/second-step').send({ code: codeAt(b.secret, t.now.value), add: true }).expect(200);
    expect(done.body.user.email).toBe(b.email);
    const accounts = done.body.accounts as Entry[];
    // With `add`, the new account goes last and A stays the default.
    expect(accounts.map((e) => e.email)).toEqual([a.email, b.email]);
    expect(accounts[0]!.id).toBe(handleA);
    expect(cookieTokens(agent)).toHaveLength(2);
    expect(new Set(cookieTokens(agent)).size).toBe(2);
    const me = (await agent.get('/api/me').expect(200)).body;
    expect(me.user.email).toBe(a.email);
    expect((me.accounts as Entry[]).map((e) => e.email)).toEqual([a.email, b.email]);
    expect((await t.store.sessions.findById(accounts[1]!.id))?.amr).toBe('pwd otp mfa');
  });

  it('through the pages: "Add another account" survives the second step', async () => {
    const b = await userWithTwoStep();
    const { agent, a } = await browserWithA();
    const returnTo = `${t.issuer}/account`;
    const login = await agent.get(`/login?add=1&return_to=${encodeURIComponent(returnTo)}`).expect(200);
    const step1 = await agent
      .post('/login')
      .type('form')
      .send({ email: b.email, password: b.password, return_to: returnTo, add: '1', csrf: csrfOf(login.text) })
      .expect(303);
    expect(step1.headers['location']).toBe(`/login/second-step?return_to=${encodeURIComponent(returnTo)}&add=1`);
    const page = await agent.get(step1.headers['location'] as string).expect(200);
    expect(page.text).toContain('<input type="hidden" name="add" value="1">');
    await agent
      .post('/login/second-step')
      .type('form')
      .send({ code: codeAt(b.secret, t.now.value), return_to: returnTo, add: '1', csrf: csrfOf(page.text) })
      .expect(303)
      .expect('Location', returnTo);
    const me = (await agent.get('/api/me').expect(200)).body;
    expect(me.user.email).toBe(a.email);
    expect((me.accounts as Entry[]).map((e) => e.email)).toEqual([a.email, b.email]);
    expect(cookieTokens(agent)).toHaveLength(2);
  });

  it('without add, the account of the second step becomes the default, and the other stays', async () => {
    const b = await userWithTwoStep();
    const { agent, a } = await browserWithA();
    await agent.post('/api/session').send({ email: b.email, password: b.password }).expect(401);
    const done = await agent.post('/api/session/second-step').send({ code: codeAt(b.secret, t.now.value) }).expect(200);
    expect((done.body.accounts as Entry[]).map((e) => e.email)).toEqual([b.email, a.email]);
  });

  it('continues an app sign-in with the account of the second step (login_hint), not the default', async () => {
    const b = await userWithTwoStep();
    const { agent } = await browserWithA();
    const back = `${t.issuer}/authorize?client_id=news&response_type=code`;
    const login = await agent.get(`/login?add=1&return_to=${encodeURIComponent(back)}`).expect(200);
    const step1 = await agent.post('/login').type('form').send({ email: b.email, password: b.password, return_to: back, add: '1', csrf: csrfOf(login.text) }).expect(303);
    const page = await agent.get(step1.headers['location'] as string).expect(200);
    const done = await agent
      .post('/login/second-step')
      .type('form')
      .send({ code: codeAt(b.secret, t.now.value), return_to: back, add: '1', csrf: csrfOf(page.text) })
      .expect(303);
    expect(new URL(done.headers['location'] as string).searchParams.get('login_hint')).toBe(b.id);
  });
});

describe('adding an account through a passkey', () => {
  it('with add: both accounts listed, one token each in the cookie, amr of the passkey', async () => {
    const c = await userWithPasskey();
    const { agent, a, handleA } = await browserWithA();
    const options = (await agent.post('/api/passkeys/sign-in/options').send({}).expect(200)).body as { challenge: string };
    const response = authenticator.authenticate(options, c.credentialId);
    const res = await agent.post('/api/passkeys/sign-in').send({ response, returnTo: `${t.issuer}/account`, add: true }).expect(200);
    expect(res.body.user.email).toBe(c.email);
    expect(res.body.redirectTo).toBe(`${t.issuer}/account`);
    const accounts = res.body.accounts as Entry[];
    expect(accounts.map((e) => e.email)).toEqual([a.email, c.email]);
    expect(accounts[0]!.id).toBe(handleA);
    expect(cookieTokens(agent)).toHaveLength(2);
    const me = (await agent.get('/api/me').expect(200)).body;
    expect((me.accounts as Entry[]).map((e) => e.email)).toEqual([a.email, c.email]);
    expect((await t.store.sessions.findById(accounts[1]!.id))?.amr).toBe('hwk mfa');
  });

  it('sends an app sign-in on with the passkey account as login_hint', async () => {
    const c = await userWithPasskey();
    const { agent } = await browserWithA();
    const options = (await agent.post('/api/passkeys/sign-in/options').send({}).expect(200)).body as { challenge: string };
    const back = `${t.issuer}/authorize?client_id=news&response_type=code`;
    const res = await agent
      .post('/api/passkeys/sign-in')
      .send({ response: authenticator.authenticate(options, c.credentialId), returnTo: back, add: true })
      .expect(200);
    expect(new URL(res.body.redirectTo as string).searchParams.get('login_hint')).toBe(c.id);
  });

  it('the same account again by passkey renews its session: no second copy', async () => {
    const c = await userWithPasskey();
    const { agent } = await browserWithA();
    const signInOnce = async () => {
      const options = (await agent.post('/api/passkeys/sign-in/options').send({}).expect(200)).body as { challenge: string };
      return agent.post('/api/passkeys/sign-in').send({ response: authenticator.authenticate(options, c.credentialId), add: true }).expect(200);
    };
    const first = (await signInOnce()).body.accounts as Entry[];
    t.now.value += 60_000;
    const again = (await signInOnce()).body.accounts as Entry[];
    expect(again.map((e) => e.id)).toEqual(first.map((e) => e.id));
    expect(cookieTokens(agent)).toHaveLength(2);
  });
});

describe('the same account signing in again with its second step', () => {
  it('renews its session in place (same handle, no second copy) with amr pwd otp mfa and a new auth_time', async () => {
    const b = await userWithTwoStep();
    const { agent, a } = await browserWithA();
    await agent.post('/api/session').send({ email: b.email, password: b.password, add: true }).expect(401);
    const added = (await agent.post('/api/session/second-step').send({ code: codeAt(b.secret, t.now.value), add: true }).expect(200)).body.accounts as Entry[];
    const handleB = added[1]!.id;
    const before = await t.store.sessions.findById(handleB);

    t.now.value += 120_000;
    const againAt = t.now.value;
    await agent.post('/api/session').send({ email: b.email, password: b.password, add: true }).expect(401);
    const again = await agent.post('/api/session/second-step').send({ code: codeAt(b.secret, t.now.value), add: true }).expect(200);
    const accounts = again.body.accounts as Entry[];
    expect(accounts.map((e) => e.id)).toEqual([added[0]!.id, handleB]);
    expect(accounts.map((e) => e.email)).toEqual([a.email, b.email]);
    expect(cookieTokens(agent)).toHaveLength(2);
    const renewed = await t.store.sessions.findById(handleB);
    expect(renewed?.token_hash).not.toBe(before?.token_hash);
    expect(renewed?.amr).toBe('pwd otp mfa');
    expect(Number(renewed?.created_at)).toBe(againAt);
    // Only the two sessions of this browser and the one B set up two-step in: no second copy of B here.
    expect((await t.store.sessions.listByUser(b.id)).filter((s) => s.id !== handleB)).toHaveLength(1);

    // The renewed session's ID token says how and when: amr pwd otp mfa, auth_time of this sign-in.
    const { verifier, challenge } = pkcePair();
    const code = await authorize(agent, { challenge, extra: { login_hint: b.id } });
    const token = await postForm(t.app, '/token', { grant_type: 'authorization_code', code, redirect_uri: newsRedirect, code_verifier: verifier, client_id: 'news' }).expect(200);
    const id = decodeJwt((token.body as TokenResponse).id_token);
    expect(id['sub']).toBe(b.id);
    expect(id['amr']).toEqual(['pwd', 'otp', 'mfa']);
    expect(id['auth_time']).toBe(Math.floor(againAt / 1000));
  });

  it('a renewed password-only session takes the new amr when the same account comes back by passkey', async () => {
    const c = await userWithPasskey();
    const agent = browser();
    const first = await agent.post('/api/session').send({ email: c.email, password: 'correct horse battery staple' }).expect(200);
    const handle = (first.body.accounts as Entry[])[0]!.id;
    expect((await t.store.sessions.findById(handle))?.amr).toBe('pwd');
    const options = (await agent.post('/api/passkeys/sign-in/options').send({}).expect(200)).body as { challenge: string };
    const res = await agent.post('/api/passkeys/sign-in').send({ response: authenticator.authenticate(options, c.credentialId) }).expect(200);
    expect((res.body.accounts as Entry[]).map((e) => e.id)).toEqual([handle]);
    expect((await t.store.sessions.findById(handle))?.amr).toBe('hwk mfa');
  });
});

describe('a full browser and the second step', () => {
  it('refuses a sixth account with 409 TOO_MANY_ACCOUNTS before asking for the code', async () => {
    const b = await userWithTwoStep();
    const agent = browser();
    for (let i = 0; i < 5; i++) {
      const u = await t.createUser();
      await agent.post('/api/session').send({ email: u.email, password: u.password, add: true }).expect(200);
    }
    const res = await agent.post('/api/session').send({ email: b.email, password: b.password, add: true }).expect(409);
    expect(res.body.error.code).toBe('TOO_MANY_ACCOUNTS');
    expect(cookieTokens(agent)).toHaveLength(5);
  });
});
