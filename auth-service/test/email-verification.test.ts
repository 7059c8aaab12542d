import { decodeJwt } from 'jose';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './test-app.js';
import { createOidcTestApp, signInWithCode } from './oidc/oidc-test-app.js';

/** The newest mail to `to` and the token of the service link in it. */
async function mailTo(t: TestApp, to: string) {
  const mail = (await t.outbox()).find((m) => m.to === to);
  if (!mail) throw new Error(`no mail to ${to}`);
  const link = /https?:\/\/\S+token=([A-Za-z0-9_-]+)/.exec(mail.text);
  return { ...mail, link: link?.[0], token: link?.[1] ?? '' };
}

async function signedIn(t: TestApp, user: { email: string; password: string }) {
  const agent = supertest.agent(t.app).set('Origin', t.publicUrl);
  await agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
  return agent;
}

describe('verifying the address given at sign-up', () => {
  it('mails a link; following it marks the address verified in /api/me, once', async () => {
    const t = await createTestApp();
    const user = await t.createUser();
    const agent = await signedIn(t, user);
    expect((await agent.get('/api/me')).body.user.emailVerified).toBe(false);
    const { token, subject } = await mailTo(t, user.email);
    expect(subject).toBe('Confirm your email address');
    const res = await t.agent.post('/api/email/verify').send({ token }).expect(200);
    expect(res.body).toEqual({ email: user.email, emailVerified: true });
    expect((await agent.get('/api/me')).body.user.emailVerified).toBe(true);
    const again = await t.agent.post('/api/email/verify').send({ token }).expect(410);
    expect(again.body.error.code).toBe('LINK_USED');
  });

  it('refuses a forged or mistyped link (400) and an expired one after 24 hours (410)', async () => {
    const t = await createTestApp();
    for (const token of ['x', 'A'.repeat(43), '']) {
      const res = await t.agent.post('/api/email/verify').send({ token }).expect(400);
      expect(res.body.error.code).toMatch(/LINK_INVALID|VALIDATION_FAILED/);
    }
    const late = await t.createUser();
    const onTime = await t.createUser();
    const lateToken = (await mailTo(t, late.email)).token;
    const onTimeToken = (await mailTo(t, onTime.email)).token;
    t.now.value += 24 * 60 * 60_000 - 1;
    await t.agent.post('/api/email/verify').send({ token: onTimeToken }).expect(200);
    t.now.value += 1;
    const res = await t.agent.post('/api/email/verify').send({ token: lateToken }).expect(410);
    expect(res.body.error.code).toBe('LINK_EXPIRED');
  });

  it('refuses a link followed while another account is signed in, and it still works for its owner', async () => {
    const t = await createTestApp();
    const owner = await t.createUser();
    const other = await t.createUser();
    const otherAgent = await signedIn(t, other);
    const { token } = await mailTo(t, owner.email);
    const res = await otherAgent.post('/api/email/verify').send({ token }).expect(400);
    expect(res.body.error.code).toBe('LINK_FOREIGN');
    expect((await otherAgent.get('/api/me')).body.user.emailVerified).toBe(false);
    const ownerAgent = await signedIn(t, owner);
    await ownerAgent.post('/api/email/verify').send({ token }).expect(200);
  });

  it('shows a page with a confirm button (opening the link changes nothing), then a clear page for a used link', async () => {
    const t = await createTestApp();
    const user = await t.createUser();
    const { link, token } = await mailTo(t, user.email);
    const path = new URL(link ?? '').pathname + new URL(link ?? '').search;
    for (let i = 0; i < 2; i++) {
      const page = await t.agent.get(path).expect(200);
      expect(page.text).toContain('Confirm my address');
      expect(page.text).toContain(user.email);
    }
    const csrf = await t.formToken(path);
    const done = await t.agent.post('/verify-email').type('form').send({ csrf, token }).expect(200);
    expect(done.text).toContain('Email confirmed');
    const used = await t.agent.get(path).expect(410);
    expect(used.text).toContain('This link was already used');
    expect(used.headers['content-type']).toMatch(/html/);
    const forged = await t.agent.get('/verify-email?token=%3Cscript%3E').expect(400);
    expect(forged.text).not.toContain('<script>');
  });

  it('puts email_verified in the ID token and /userinfo, and names it in discovery', async () => {
    const t = await createOidcTestApp();
    const first = await signInWithCode(t);
    expect(decodeJwt(first.tokens.id_token)['email_verified']).toBe(false);
    const { token } = await mailTo(t, first.email);
    await first.agent.post('/api/email/verify').send({ token }).expect(200);
    const info = await supertest(t.app).get('/userinfo').set('Authorization', `Bearer ${first.tokens.access_token}`).expect(200);
    expect(info.body.email_verified).toBe(true);
    const discovery = await supertest(t.app).get('/.well-known/openid-configuration').expect(200);
    expect(discovery.body.claims_supported).toContain('email_verified');
  });
});

describe('the account page for an unverified address', () => {
  it('says "Verify your email" with a resend button that mails a new link (the old one stops working), rate-limited', async () => {
    const t = await createTestApp();
    const user = await t.createUser();
    await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const page = await t.agent.get('/account').expect(200);
    expect(page.text).toContain('Verify your email');
    const first = (await mailTo(t, user.email)).token;
    const csrf = await t.formToken('/account');
    await t.agent.post('/account/verification').type('form').send({ csrf }).expect(303).expect('Location', /^\/account\?account=[^&]+&done=verification-sent$/);
    const second = (await mailTo(t, user.email)).token;
    expect(second).not.toBe(first);
    expect((await t.agent.post('/api/email/verify').send({ token: first }).expect(400)).body.error.code).toBe('LINK_INVALID');
    // Five per address per hour by default; the sign-up's mail does not count against the user's own requests.
    for (let i = 0; i < 4; i++) await t.agent.post('/api/me/email/verification').send({}).expect(204);
    const limited = await t.agent.post('/api/me/email/verification').send({}).expect(429);
    expect(limited.body.error.code).toBe('TOO_MANY_ATTEMPTS');
    t.now.value += 60 * 60_000;
    // The test app's sessions idle out after an hour: sign in again.
    await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    await t.agent.post('/api/me/email/verification').send({}).expect(204);
    const latest = (await mailTo(t, user.email)).token;
    await t.agent.post('/api/email/verify').send({ token: latest }).expect(200);
    expect((await t.agent.get('/account').expect(200)).text).not.toContain('Verify your email');
  });
});

describe('changing the address', () => {
  it('needs the password, mails the new address a link and the old one a notice, and changes nothing until followed', async () => {
    const t = await createTestApp();
    const user = await t.createUser();
    const agent = await signedIn(t, user);
    const newEmail = `new.${user.email}`;
    const wrong = await agent.post('/api/me/email').send({ password: 'not the password at all', newEmail }).expect(401);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
    await agent.post('/api/me/email').send({ password: user.password, newEmail }).expect(202);
    const notice = await mailTo(t, user.email);
    expect(notice.subject).toBe('Your account email is about to change');
    expect(notice.text).toContain(newEmail);
    expect(notice.token).toBe('');
    expect((await agent.get('/api/me')).body.user.email).toBe(user.email);
    const { token } = await mailTo(t, newEmail);
    await agent.post('/api/email/verify').send({ token }).expect(200);
    const me = (await agent.get('/api/me')).body.user;
    expect(me).toMatchObject({ email: newEmail, emailVerified: true });
    await t.agent.post('/api/session').send({ email: newEmail, password: user.password }).expect(200);
    await supertest(t.app).post('/api/session').set('Origin', t.publicUrl).send({ email: user.email, password: user.password }).expect(401);
  });

  it('refuses an address another account has, in any casing, at the request and when the link is followed', async () => {
    const t = await createTestApp();
    const user = await t.createUser();
    const other = await t.createUser();
    const agent = await signedIn(t, user);
    const taken = await agent.post('/api/me/email').send({ password: user.password, newEmail: other.email.toUpperCase() }).expect(409);
    expect(taken.body.error.code).toBe('EMAIL_TAKEN');
    // The address is free when asked for, and taken before the link is followed.
    const later = `Later.${user.email}`;
    await agent.post('/api/me/email').send({ password: user.password, newEmail: later }).expect(202);
    const { token } = await mailTo(t, later);
    await t.createUser({ email: later.toLowerCase() });
    const res = await agent.post('/api/email/verify').send({ token }).expect(409);
    expect(res.body.error.code).toBe('EMAIL_TAKEN');
    expect((await agent.get('/api/me')).body.user.email).toBe(user.email);
  });

  it('voids the sign-up link for the old address once the change is made', async () => {
    const t = await createTestApp();
    const user = await t.createUser();
    const agent = await signedIn(t, user);
    const signupToken = (await mailTo(t, user.email)).token;
    const newEmail = `moved.${user.email}`;
    await agent.post('/api/me/email').send({ password: user.password, newEmail }).expect(202);
    await agent.post('/api/email/verify').send({ token: (await mailTo(t, newEmail)).token }).expect(200);
    await agent.post('/api/email/verify').send({ token: signupToken }).expect(400);
  });
});
