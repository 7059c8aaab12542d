import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './test-app.js';
import { createOidcTestApp, postForm, signInWithCode } from './oidc/oidc-test-app.js';

const password = 'correct horse battery staple';
const newPassword = 'a brand new passphrase, long enough';

/** The reset links mailed to `to` so far, newest first. */
async function resetTokens(t: TestApp, to: string): Promise<string[]> {
  return (await t.outbox())
    .filter((m) => m.to === to && m.subject === 'Reset your password')
    .map((m) => /\/reset-password\?token=([A-Za-z0-9_-]{43})/.exec(m.text)?.[1] ?? '');
}

async function requestReset(t: TestApp, email: string) {
  return supertest(t.app).post('/api/password-reset').set('Origin', t.publicUrl).send({ email });
}

describe('forgot password', () => {
  it('mails a link; the new password ends every session, refresh token and known device, and a notice is sent', async () => {
    const t = await createOidcTestApp();
    const { agent, email, userId, tokens } = await signInWithCode(t);
    expect(tokens.refresh_token).toBeTruthy();
    await (await requestReset(t, email)).status;
    const [token = ''] = await resetTokens(t, email);
    expect(token).toHaveLength(43);

    // A weak password is refused and does not spend the link.
    const weak = await supertest(t.app).post('/api/password-reset/confirm').set('Origin', t.publicUrl).send({ token, newPassword: 'short' }).expect(422);
    expect(weak.body.error.code).toBe('WEAK_PASSWORD');
    await supertest(t.app).post('/api/password-reset/confirm').set('Origin', t.publicUrl).send({ token, newPassword }).expect(204);

    expect((await agent.get('/api/me').expect(200)).body).toEqual({ user: null });
    const refreshed = await postForm(t.app, '/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '', client_id: 'news' });
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
    expect(await t.store.db.selectFrom('known_devices').selectAll().where('user_id', '=', userId).execute()).toEqual([]);
    expect((await t.outbox()).find((m) => m.to === email)?.subject).toBe('Your password was changed');

    await supertest(t.app).post('/api/session').set('Origin', t.publicUrl).send({ email, password }).expect(401);
    const signedIn = await supertest(t.app).post('/api/session').set('Origin', t.publicUrl).send({ email, password: newPassword }).expect(200);
    // The link reached the mailbox: the address is proven.
    expect(signedIn.body.user.emailVerified).toBe(true);
    const reused = await supertest(t.app).post('/api/password-reset/confirm').set('Origin', t.publicUrl).send({ token, newPassword: `${newPassword}!` });
    expect(reused.status).toBe(410);
    expect(reused.body.error.code).toBe('LINK_USED');
  });

  it('works for 30 minutes, not a moment longer', async () => {
    const t = await createTestApp();
    const late = await t.createUser();
    const onTime = await t.createUser();
    await requestReset(t, late.email);
    await requestReset(t, onTime.email);
    const [lateToken = ''] = await resetTokens(t, late.email);
    const [onTimeToken = ''] = await resetTokens(t, onTime.email);
    t.now.value += 30 * 60_000 - 1;
    await t.agent.get(`/reset-password?token=${onTimeToken}`).expect(200);
    t.now.value += 1;
    const page = await t.agent.get(`/reset-password?token=${lateToken}`).expect(410);
    expect(page.text).toContain('This link has expired');
    const api = await t.agent.post('/api/password-reset/confirm').send({ token: lateToken, newPassword }).expect(410);
    expect(api.body.error.code).toBe('LINK_EXPIRED');
  });

  it('replaces an older link with a newer one, and voids it at a successful sign-in', async () => {
    const t = await createTestApp();
    const user = await t.createUser();
    await requestReset(t, user.email);
    await requestReset(t, user.email);
    const [newer = '', older = ''] = await resetTokens(t, user.email);
    expect((await t.agent.post('/api/password-reset/confirm').send({ token: older, newPassword }).expect(400)).body.error.code).toBe('LINK_INVALID');
    await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    expect((await t.agent.post('/api/password-reset/confirm').send({ token: newer, newPassword }).expect(400)).body.error.code).toBe('LINK_INVALID');
  });

  it('answers a known and an unknown address alike: status, body, headers, the job stored, and about the time taken', async () => {
    const t = await createTestApp({ env: { MAIL_LIMIT_PER_ADDRESS_PER_HOUR: '1000', MAIL_LIMIT_PER_IP_PER_HOUR: '1000' } });
    const user = await t.createUser();
    await t.runJobs();
    const shape = (res: supertest.Response) => ({
      status: res.status,
      body: res.body as unknown,
      headers: Object.keys(res.headers).filter((h) => !['date', 'x-request-id', 'content-length', 'ratelimit'].includes(h)).sort(),
    });
    const known = await requestReset(t, user.email);
    const unknown = await requestReset(t, `nobody.${user.email}`);
    expect(shape(unknown)).toEqual(shape(known));
    expect(known.status).toBe(202);
    const stored = await t.store.db.selectFrom('jobs').select(['name']).execute();
    expect(stored).toEqual([{ name: 'account.password-reset' }, { name: 'account.password-reset' }]);
    await t.runJobs();
    expect((await t.outbox()).filter((m) => m.to.startsWith('nobody.'))).toEqual([]);
    expect(await resetTokens(t, user.email)).toHaveLength(1);

    // The request does the same work for both (the account is looked up by the job), so the times agree.
    const time = async (email: string) => {
      const start = performance.now();
      await requestReset(t, email);
      return performance.now() - start;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    for (let i = 0; i < 15; i++) {
      knownTimes.push(await time(user.email));
      unknownTimes.push(await time(`nobody${i}.${user.email}`));
    }
    expect(Math.abs(median(knownTimes) - median(unknownTimes))).toBeLessThan(15);
  });

  it('limits reset mails per address and per client IP, the same way for unknown addresses', async () => {
    const t = await createTestApp({ env: { MAIL_LIMIT_PER_IP_PER_HOUR: '8' } });
    const user = await t.createUser();
    for (let i = 0; i < 5; i++) expect((await requestReset(t, user.email)).status).toBe(202);
    const limited = await requestReset(t, user.email);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('TOO_MANY_ATTEMPTS');
    // Per IP: six counted above; two more addresses, then every address is refused.
    expect((await requestReset(t, 'a@unknown.test')).status).toBe(202);
    expect((await requestReset(t, 'b@unknown.test')).status).toBe(202);
    expect((await requestReset(t, 'c@unknown.test')).status).toBe(429);
    expect(await resetTokens(t, user.email)).toHaveLength(5);
  });

  it('counts a client IPv6 address by its /64, so rotating the host part does not escape the limit', async () => {
    const t = await createTestApp({ trustProxy: 1, env: { MAIL_LIMIT_PER_IP_PER_HOUR: '2' } });
    const from = (host: string, email: string) =>
      supertest(t.app).post('/api/password-reset').set('Origin', t.publicUrl).set('X-Forwarded-For', `2001:db8:1:2::${host}`).send({ email });
    expect((await from('1', 'a@unknown.test')).status).toBe(202);
    expect((await from('2', 'b@unknown.test')).status).toBe(202);
    expect((await from('3', 'c@unknown.test')).status).toBe(429);
    const elsewhere = await supertest(t.app).post('/api/password-reset').set('Origin', t.publicUrl).set('X-Forwarded-For', '2001:db8:9:9::1').send({ email: 'd@unknown.test' });
    expect(elsewhere.status).toBe(202);
  });

  it('runs through the pages: "Forgot password?" on the sign-in page, the same answer for any address, the new-password form', async () => {
    const t = await createTestApp();
    const user = await t.createUser();
    const login = await t.agent.get('/login').expect(200);
    expect(login.text).toContain('href="/forgot-password"');
    const csrf = await t.formToken('/forgot-password');
    const known = await t.agent.post('/forgot-password').type('form').send({ csrf, email: user.email }).expect(200);
    const unknown = await t.agent.post('/forgot-password').type('form').send({ csrf, email: `nobody.${user.email}` }).expect(200);
    expect(unknown.text).toBe(known.text);
    const [token = ''] = await resetTokens(t, user.email);
    const form = await t.agent.get(`/reset-password?token=${token}`).expect(200);
    expect(form.text).toContain('Choose a new password');
    const resetCsrf = await t.formToken(`/reset-password?token=${token}`);
    const weak = await t.agent.post('/reset-password').type('form').send({ csrf: resetCsrf, token, new_password: 'password' }).expect(422);
    expect(weak.text).toContain('role="alert"');
    const done = await t.agent.post('/reset-password').type('form').send({ csrf: resetCsrf, token, new_password: newPassword }).expect(200);
    expect(done.text).toContain('Your password was changed');
    const used = await t.agent.get(`/reset-password?token=${token}`).expect(410);
    expect(used.text).toContain('already used');
  });
});
