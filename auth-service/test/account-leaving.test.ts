import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { createOidcTestApp, postForm, signInWithCode } from './oidc/oidc-test-app.js';

const password = 'correct horse battery staple';

describe('deleting the account', () => {
  it('needs the password, then removes every row about the user in one go, ends every session and says goodbye', async () => {
    const t = await createOidcTestApp();
    const { agent, email, userId, tokens } = await signInWithCode(t);
    // A second browser, signed in too: its box must show Sign in afterwards.
    const other = supertest.agent(t.app).set('Origin', t.publicUrl);
    await other.post('/api/session').send({ email, password }).expect(200);
    expect((await other.get('/api/me').expect(200)).body.user.id).toBe(userId);

    const wrong = await agent.delete('/api/me').send({ password: 'not my password, surely' }).expect(401);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
    expect((await agent.get('/api/me')).body.user.id).toBe(userId);

    const res = await agent.delete('/api/me').send({ password }).expect(204);
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(cookies.some((c) => /^userbox_session=;/.test(c))).toBe(true);
    expect(cookies.some((c) => /^userbox_sync=[A-Za-z0-9_-]+;/.test(c))).toBe(true);

    for (const table of ['users', 'sessions', 'refresh_tokens', 'authorization_codes', 'known_devices', 'email_links'] as const) {
      const column = table === 'users' ? 'id' : 'user_id';
      expect(await t.store.db.selectFrom(table).selectAll().where(column, '=', userId).execute(), table).toEqual([]);
    }
    expect((await other.get('/api/me').expect(200)).body).toEqual({ user: null });
    const refreshed = await postForm(t.app, '/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '', client_id: 'news' });
    expect(refreshed.body.error).toBe('invalid_grant');
    const goodbye = (await t.outbox()).find((m) => m.to === email);
    expect(goodbye?.subject).toBe('Your account was deleted');
    await other.post('/api/session').send({ email, password }).expect(401);
    // The address is free again.
    await t.createUser({ email });
  });

  it('is on the account page, behind the password, and ends with a page that says so', async () => {
    const t = await createOidcTestApp();
    const user = await t.createUser();
    await t.agent.post('/api/session').send({ email: user.email, password }).expect(200);
    const page = await t.agent.get('/account').expect(200);
    expect(page.text).toContain('Delete the account');
    const csrf = await t.formToken('/account');
    const wrong = await t.agent.post('/account/delete').type('form').send({ csrf, password: 'wrong wrong wrong' }).expect(401);
    expect(wrong.text).toContain('id="delete-error"');
    const done = await t.agent.post('/account/delete').type('form').send({ csrf, password }).expect(200);
    expect(done.text).toContain('Your account was deleted');
    expect(await t.store.users.findById(user.id)).toBeUndefined();
    await t.agent.get('/account').expect(303);
  });
});

describe('GET /api/me/export', () => {
  it('answers everything held about the user — profile, sessions with device and place, apps — and no secret or hash', async () => {
    const t = await createOidcTestApp();
    const { agent, email, userId, tokens } = await signInWithCode(t);
    const browser = supertest.agent(t.app).set('Origin', t.publicUrl).set('User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36');
    await browser.post('/api/session').send({ email, password, timeZone: 'Europe/Berlin' }).expect(200);

    const res = await agent.get('/api/me/export').expect(200).expect('Content-Disposition', /attachment/);
    const data = res.body;
    expect(data.profile).toMatchObject({ id: userId, email, emailVerified: false, emailVerifiedAt: null });
    expect(data.sessions).toHaveLength(2);
    expect(data.sessions).toEqual(
      expect.arrayContaining([expect.objectContaining({ place: 'Berlin, Europe', timeZone: 'Europe/Berlin', device: expect.stringContaining('Chrome') })]),
    );
    expect(data.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(data.apps).toEqual([expect.objectContaining({ clientId: 'news', name: 'News', scopes: expect.arrayContaining(['openid', 'email']) })]);
    expect(data.emailLinks).toEqual([expect.objectContaining({ purpose: 'verify_email', email })]);

    const text = JSON.stringify(data);
    const user = await t.store.users.findById(userId);
    const secrets = [
      user?.password_hash ?? 'x',
      tokens.refresh_token ?? 'x',
      tokens.access_token,
      ...(await t.store.db.selectFrom('sessions').select('token_hash').execute()).map((r) => r.token_hash),
      ...(await t.store.db.selectFrom('refresh_tokens').select('token_hash').execute()).map((r) => r.token_hash),
      ...(await t.store.db.selectFrom('email_links').select('token_hash').execute()).map((r) => r.token_hash),
    ];
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/hash|password/i);
  });

  it('is only for the signed-in user, and not for the apps that may read /api/me', async () => {
    const t = await createOidcTestApp();
    const res = await supertest(t.app).get('/api/me/export').expect(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
    const { agent } = await t.signedIn();
    const fromApp = await agent.get('/api/me/export').set('Origin', 'https://news.example.test').expect(403);
    expect(fromApp.body.error.code).toBe('FORBIDDEN_ORIGIN');
    // A download from the account page is a navigation: no Origin header.
    await agent.get('/api/me/export').unset('Origin').expect(200);
  });
});
