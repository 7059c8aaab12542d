import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { createOidcTestApp, type OidcTestApp } from '../oidc/oidc-test-app.js';
import { createSoftAuthenticator } from './soft-authenticator.js';

type Agent = ReturnType<typeof supertest.agent>;
const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

let t: OidcTestApp;
let authenticator: ReturnType<typeof createSoftAuthenticator>;
beforeEach(async () => {
  t = await createOidcTestApp();
  authenticator = createSoftAuthenticator({ rpId: 'accounts.example.test', origin: t.issuer });
});
const browser = () => supertest.agent(t.app).set('Origin', t.issuer);

async function addPasskey(agent: Agent): Promise<string> {
  const options = (await agent.post('/api/passkeys/registration/options').send({}).expect(200)).body as { challenge: string; user: { id: string } };
  const res = await agent.post('/api/passkeys/registration').send({ name: 'Phone', response: authenticator.register(options) }).expect(201);
  return (res.body as { passkey: { id: string } }).passkey.id;
}

async function passkeySignIn(credentialId: string): Promise<Agent> {
  const agent = browser();
  const options = (await agent.post('/api/passkeys/sign-in/options').send({}).expect(200)).body as { challenge: string };
  await agent.post('/api/passkeys/sign-in').send({ response: authenticator.authenticate(options, credentialId) }).expect(200);
  return agent;
}

async function signedInUser() {
  const user = await t.createUser();
  const agent = browser();
  await agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
  return { ...user, agent };
}

describe('an account with passkeys only', () => {
  it('can drop its password once it has a passkey; then the password no longer signs in, the passkey does', async () => {
    const user = await signedInUser();
    let page = (await user.agent.get('/account')).text;
    expect(page).not.toContain('Remove password');
    const refused = await user.agent.post('/account/password/remove').type('form').send({ csrf: csrfOf(page), current_password: user.password });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('Add a passkey before you remove your password.');

    const credentialId = await addPasskey(user.agent);
    page = (await user.agent.get('/account')).text;
    const wrong = await user.agent.post('/account/password/remove').type('form').send({ csrf: csrfOf(page), current_password: 'not my password at all' });
    expect(wrong.status).toBe(401);
    await user.agent.post('/account/password/remove').type('form').send({ csrf: csrfOf(page), current_password: user.password }).expect(303).expect('Location', /^\/account\?account=[^&]+&done=password-removed$/);
    page = (await user.agent.get('/account').expect(200)).text;
    expect(page).toContain('You sign in with passkeys only.');

    const res = await browser().post('/api/session').send({ email: user.email, password: user.password }).expect(401);
    expect((res.body as { error: { code: string } }).error.code).toBe('INVALID_CREDENTIALS');
    await passkeySignIn(credentialId);
  });

  it('keeps its last passkey, and sets a password again only soon after a sign-in', async () => {
    const user = await signedInUser();
    const credentialId = await addPasskey(user.agent);
    let page = (await user.agent.get('/account')).text;
    await user.agent.post('/account/password/remove').type('form').send({ csrf: csrfOf(page), current_password: user.password }).expect(303);

    const agent = await passkeySignIn(credentialId);
    page = (await agent.get('/account')).text;
    const last = await agent.post(`/account/passkeys/${credentialId}/delete`).type('form').send({ csrf: csrfOf(page) });
    expect(last.status).toBe(409);
    expect(last.text).toContain('This is your only way to sign in.');

    t.now.value += 11 * 60_000;
    const stale = await agent.post('/account/password/set').type('form').send({ csrf: csrfOf(page), new_password: 'a brand new passphrase' });
    expect(stale.status).toBe(401);
    const fresh = await passkeySignIn(credentialId);
    page = (await fresh.get('/account')).text;
    await fresh.post('/account/password/set').type('form').send({ csrf: csrfOf(page), new_password: 'a brand new passphrase' }).expect(303).expect('Location', /^\/account\?account=[^&]+&done=password-set$/);
    await browser().post('/api/session').send({ email: user.email, password: 'a brand new passphrase' }).expect(200);
    // The other sessions ended with the change.
    expect(((await agent.get('/api/me')).body as { user: unknown }).user).toBeNull();
  });
});
