import { decodeJwt } from 'jose';
import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { tokensFor } from '../oidc/amr.test.js';
import { createOidcTestApp, type OidcTestApp } from '../oidc/oidc-test-app.js';
import { createSoftAuthenticator, type Tamper } from './soft-authenticator.js';

type Agent = ReturnType<typeof supertest.agent>;
const errorCode = (res: supertest.Response) => (res.body as { error?: { code: string } }).error?.code;

let t: OidcTestApp;
let authenticator: ReturnType<typeof createSoftAuthenticator>;
beforeEach(async () => {
  t = await createOidcTestApp();
  authenticator = createSoftAuthenticator({ rpId: new URL(t.issuer).hostname, origin: t.issuer });
});

const browser = () => supertest.agent(t.app).set('Origin', t.issuer);

/** A signed-in user who adds a passkey; answers the agent and the credential id. */
async function userWithPasskey(name = 'My phone'): Promise<{ agent: Agent; email: string; credentialId: string; userId: string }> {
  const user = await t.createUser();
  const agent = browser();
  await agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
  const options = await agent.post('/api/passkeys/registration/options').send({}).expect(200);
  const body = options.body as { challenge: string; user: { id: string }; rp: { id: string }; authenticatorSelection: Record<string, string> };
  expect(body.rp.id).toBe('accounts.example.test');
  expect(body.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
  const res = await agent.post('/api/passkeys/registration').send({ name, response: authenticator.register(body) }).expect(201);
  return { agent, email: user.email, userId: user.id, credentialId: (res.body as { passkey: { id: string } }).passkey.id };
}

/** A fresh browser asks for sign-in options and answers them with the passkey (tampered as asked). */
async function passkeySignIn(credentialId: string, tamper: Tamper = {}, agent = browser()) {
  const options = await agent.post('/api/passkeys/sign-in/options').send({}).expect(200);
  const body = options.body as { challenge: string; allowCredentials?: unknown[]; userVerification: string };
  expect(body.allowCredentials ?? []).toEqual([]);
  expect(body.userVerification).toBe('required');
  const response = authenticator.authenticate(body, credentialId, tamper);
  const res = await agent.post('/api/passkeys/sign-in').send({ response, returnTo: 'https://news.example.test/x' });
  return { agent, res, response };
}

describe('adding a passkey', () => {
  it('needs a session', async () => {
    const res = await browser().post('/api/passkeys/registration/options').send({}).expect(401);
    expect(errorCode(res)).toBe('UNAUTHENTICATED');
  });

  it('lists it on the account page with its name and dates', async () => {
    const { agent } = await userWithPasskey('Work laptop');
    const page = await agent.get('/account').expect(200);
    expect(page.text).toContain('<strong>Work laptop</strong>');
    expect(page.text).toMatch(/Added \d{4}-\d\d-\d\d \d\d:\d\d UTC · never used/);
  });

  it('refuses a registration made for another origin, another RP ID or another challenge', async () => {
    const user = await t.createUser();
    const agent = browser();
    await agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    for (const [tamper, code] of [
      [{ origin: 'https://evil.example' }, 'PASSKEY_ORIGIN_MISMATCH'],
      [{ rpId: 'evil.example' }, 'PASSKEY_RP_ID_MISMATCH'],
      [{ challenge: 'c29tZSBvdGhlciBjaGFsbGVuZ2U' }, 'PASSKEY_CHALLENGE_MISMATCH'],
    ] as const) {
      const options = (await agent.post('/api/passkeys/registration/options').send({}).expect(200)).body as { challenge: string; user: { id: string } };
      const res = await agent.post('/api/passkeys/registration').send({ name: 'x', response: authenticator.register(options, tamper) }).expect(400);
      expect(errorCode(res)).toBe(code);
    }
    expect((await agent.get('/account')).text).toContain('No passkeys yet.');
  });
});

describe('signing in with a passkey', () => {
  it('opens a normal session without an email, with amr hwk mfa, and records the use', async () => {
    const { email, credentialId } = await userWithPasskey();
    t.now.value += 60_000;
    const { agent, res } = await passkeySignIn(credentialId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { email }, redirectTo: 'https://news.example.test/x' });
    expect(((await agent.get('/api/me').expect(200)).body as { user: { email: string } }).user.email).toBe(email);
    expect(decodeJwt((await tokensFor(t, agent)).id_token)['amr']).toEqual(['hwk', 'mfa']);
    expect((await agent.get('/account')).text).toMatch(/last used \d{4}-/);
  });

  it('a synced passkey signs in with amr swk mfa', async () => {
    authenticator = createSoftAuthenticator({ rpId: 'accounts.example.test', origin: t.issuer, synced: true });
    const { credentialId } = await userWithPasskey();
    const { agent, res } = await passkeySignIn(credentialId);
    expect(res.status).toBe(200);
    expect(decodeJwt((await tokensFor(t, agent)).id_token)['amr']).toEqual(['swk', 'mfa']);
  });

  it('refuses a replayed response: its challenge is used up, and a new challenge is another one', async () => {
    const { credentialId } = await userWithPasskey();
    const { agent, res, response } = await passkeySignIn(credentialId);
    expect(res.status).toBe(200);
    const replay = await agent.post('/api/passkeys/sign-in').send({ response });
    expect(replay.status).toBe(400);
    expect(errorCode(replay)).toBe('PASSKEY_CHALLENGE_INVALID');
    await agent.post('/api/passkeys/sign-in/options').send({}).expect(200);
    const again = await agent.post('/api/passkeys/sign-in').send({ response });
    expect(errorCode(again)).toBe('PASSKEY_CHALLENGE_MISMATCH');
  });

  it('refuses a response for another origin or RP ID', async () => {
    const { credentialId } = await userWithPasskey();
    const other = await passkeySignIn(credentialId, { origin: 'https://news.example.test' });
    expect(errorCode(other.res)).toBe('PASSKEY_ORIGIN_MISMATCH');
    const rp = await passkeySignIn(credentialId, { rpId: 'example.test' });
    expect(errorCode(rp.res)).toBe('PASSKEY_RP_ID_MISMATCH');
    expect(((await other.agent.get('/api/me')).body as { user: unknown }).user).toBeNull();
  });

  it('refuses a counter that went backwards (a cloned key)', async () => {
    const { credentialId } = await userWithPasskey();
    expect((await passkeySignIn(credentialId, { counter: 5 })).res.status).toBe(200);
    const cloned = await passkeySignIn(credentialId, { counter: 3 });
    expect(cloned.res.status).toBe(400);
    expect(errorCode(cloned.res)).toBe('PASSKEY_COUNTER_ROLLBACK');
    expect((await passkeySignIn(credentialId, { counter: 6 })).res.status).toBe(200);
  });

  it('binds the challenge to the browser that asked, and lets it expire', async () => {
    const { credentialId } = await userWithPasskey();
    const asker = browser();
    const options = (await asker.post('/api/passkeys/sign-in/options').send({}).expect(200)).body as { challenge: string };
    const response = authenticator.authenticate(options, credentialId);
    const elsewhere = await browser().post('/api/passkeys/sign-in').send({ response });
    expect(errorCode(elsewhere)).toBe('PASSKEY_CHALLENGE_INVALID');

    const late = browser();
    const lateOptions = (await late.post('/api/passkeys/sign-in/options').send({}).expect(200)).body as { challenge: string };
    t.now.value += 5 * 60_000;
    const expired = await late.post('/api/passkeys/sign-in').send({ response: authenticator.authenticate(lateOptions, credentialId) });
    expect(errorCode(expired)).toBe('PASSKEY_CHALLENGE_INVALID');
  });

  it('a registration challenge does not sign in', async () => {
    const { agent, credentialId } = await userWithPasskey();
    const options = (await agent.post('/api/passkeys/registration/options').send({}).expect(200)).body as { challenge: string };
    const res = await agent.post('/api/passkeys/sign-in').send({ response: authenticator.authenticate(options, credentialId) });
    expect(errorCode(res)).toBe('PASSKEY_CHALLENGE_INVALID');
  });
});

describe('renaming and deleting passkeys', () => {
  const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

  it('renames and deletes from the account page; a deleted passkey no longer signs in', async () => {
    const { agent, credentialId } = await userWithPasskey('Old name');
    const csrf = csrfOf((await agent.get('/account')).text);
    await agent.post(`/account/passkeys/${credentialId}/rename`).type('form').send({ csrf, name: '<b>New</b> name' }).expect(303);
    const page = (await agent.get('/account')).text;
    expect(page).toContain('<strong>&lt;b&gt;New&lt;/b&gt; name</strong>');
    const empty = await agent.post(`/account/passkeys/${credentialId}/rename`).type('form').send({ csrf, name: '  ' });
    expect(empty.status).toBe(400);
    await agent.post(`/account/passkeys/${credentialId}/delete`).type('form').send({ csrf }).expect(303).expect('Location', /^\/account\?account=[^&]+&done=passkey-deleted$/);
    expect((await agent.get('/account')).text).toContain('No passkeys yet.');
    expect(errorCode((await passkeySignIn(credentialId)).res)).toBe('PASSKEY_UNKNOWN');
  });

  it("cannot touch another user's passkey", async () => {
    const { credentialId } = await userWithPasskey();
    const other = await userWithPasskey();
    const csrf = csrfOf((await other.agent.get('/account')).text);
    expect((await other.agent.post(`/account/passkeys/${credentialId}/delete`).type('form').send({ csrf })).status).toBe(404);
    expect((await passkeySignIn(credentialId)).res.status).toBe(200);
  });
});

describe('WEBAUTHN_RP_ID', () => {
  const base = { PUBLIC_URL: 'https://accounts.example.test', WIDGET_DIR: '/nonexistent' };
  it('defaults to the service host and may be a registrable suffix of it', () => {
    expect(loadConfig(base).webauthn).toEqual({ rpId: 'accounts.example.test', origin: 'https://accounts.example.test' });
    expect(loadConfig({ ...base, WEBAUTHN_RP_ID: 'example.test' }).webauthn.rpId).toBe('example.test');
  });
  it('refuses another site, a bare top-level label, or a look-alike suffix', () => {
    for (const rpId of ['other.test', 'test', 'ple.test', 'shop.accounts.example.test']) {
      expect(() => loadConfig({ ...base, WEBAUTHN_RP_ID: rpId })).toThrow(/WEBAUTHN_RP_ID/);
    }
  });
});
