import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { appOrigin, createTestApp, serviceOrigin, type TestApp } from './test-app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

async function signedIn() {
  const user = await t.createUser({ name: 'Ada Lovelace' });
  await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
  return user;
}

/** The action of the form that holds the button labelled `label`. */
function formAction(html: string, label: string): string | undefined {
  const before = html.slice(0, html.indexOf(`aria-label="${label}"`));
  return [...before.matchAll(/<form method="post" action="([^"]+)">/g)].at(-1)?.[1];
}

describe('/signup', () => {
  it('creates the account, signs in and returns to return_to', async () => {
    const csrf = await t.formToken(`/signup?return_to=${appOrigin}/`);
    const res = await t.agent
      .post('/signup')
      .type('form')
      .send({ name: 'Grace Hopper', email: 'grace@example.test', password: 'cobol compiler 1959', return_to: `${appOrigin}/`, csrf })
      .expect(303);
    expect(res.headers.location).toBe(`${appOrigin}/`);
    expect((await t.agent.get('/api/me')).body.user).toMatchObject({ name: 'Grace Hopper', email: 'grace@example.test' });
  });

  it('asks for at least 12 characters in the new-password fields, as the policy does (ASVS 2.1.1)', async () => {
    const signup = (await t.agent.get('/signup').expect(200)).text;
    expect(signup).toMatch(/name="password" type="password" autocomplete="new-password" required minlength="12"/);
    expect(signup).toContain('At least 12 characters');
    await signedIn();
    expect((await t.agent.get('/account').expect(200)).text).toMatch(/name="new_password" type="password" autocomplete="new-password" required minlength="12"/);
  });

  it('shows the rule that failed, keeps what was typed (not the password), with the right status', async () => {
    await t.createUser({ email: 'taken@example.test' });
    const cases = [
      { body: { name: 'A', email: 'taken@example.test', password: 'a fine passphrase' }, status: 409, text: 'An account with this email already exists.' },
      { body: { name: 'A', email: 'new@example.test', password: 'qwerty123456' }, status: 422, text: 'most common' },
      { body: { name: '', email: 'new@example.test', password: 'a fine passphrase' }, status: 400, text: 'Enter your name.' },
      { body: { name: 'A', email: 'nope', password: 'a fine passphrase' }, status: 400, text: 'Enter a valid email address.' },
    ];
    for (const c of cases) {
      const csrf = await t.formToken('/signup');
      const res = await t.agent.post('/signup').type('form').send({ ...c.body, csrf }).expect(c.status);
      expect(res.text).toContain(c.text);
      expect(res.text).toContain(`value="${c.body.email}"`);
      expect(res.text).not.toContain(c.body.password);
    }
    expect((await t.agent.get('/api/me')).body).toEqual({ user: null });
  });
});

describe('/account', () => {
  it('shows profile, password form and the sessions with the current one marked', async () => {
    const user = await signedIn();
    const res = await t.agent.get('/account').expect(200);
    expect(res.text).toContain('value="Ada Lovelace"');
    expect(res.text).toContain(user.email);
    expect(res.text).toContain('Change password');
    expect(res.text).toContain('This device');
    expect(res.text).toContain('Sign out everywhere');
  });

  it('signs in through the form with the time zone its script fills in, and shows where each session began', async () => {
    const login = await t.agent.get('/login').expect(200);
    expect(login.text).toContain('<input type="hidden" name="time_zone" value=""><script src="/assets/time-zone.js" defer></script>');
    const script = await supertest(t.app).get('/assets/time-zone.js').expect(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.text).toContain('resolvedOptions().timeZone');

    const user = await t.createUser({ name: 'Ada Lovelace' });
    const csrf = await t.formToken('/login');
    await t.agent.post('/login').type('form').send({ email: user.email, password: user.password, time_zone: 'Asia/Tokyo', csrf }).expect(303);
    const laptop = supertest.agent(t.app).set('Origin', serviceOrigin);
    await laptop.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const page = await t.agent.get('/account').expect(200);
    expect(page.text).toContain('Signed in in Tokyo, Asia from');
    // A session without a time zone says where from by its address only.
    expect(page.text).toMatch(/Signed in from [^<]*127\.0\.0\.1/);
  });

  it('saves the profile, and refuses a non-https picture with the reason', async () => {
    await signedIn();
    let csrf = await t.formToken('/account');
    const ok = await t.agent.post('/account/profile').type('form').send({ name: 'Augusta Ada King', picture: 'https://img.example.test/ada.png', csrf }).expect(303);
    expect(ok.headers.location).toMatch(/^\/account\?account=[A-Za-z0-9_-]+&done=profile$/);
    expect((await t.agent.get('/api/me')).body.user).toMatchObject({ name: 'Augusta Ada King', initials: 'AK', picture: 'https://img.example.test/ada.png' });

    csrf = await t.formToken('/account');
    const bad = await t.agent.post('/account/profile').type('form').send({ name: 'X', picture: 'javascript:alert(1)', csrf }).expect(400);
    expect(bad.text).toContain('Use an https:// address.');
    expect((await t.agent.get('/api/me')).body.user.name).toBe('Augusta Ada King');
  });

  it('changes the password and signs out the other sessions', async () => {
    const user = await signedIn();
    const other = supertest.agent(t.app).set('Origin', serviceOrigin);
    await other.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const csrf = await t.formToken('/account');
    await t.agent.post('/account/password').type('form').send({ current_password: user.password, new_password: 'entirely new passphrase', csrf }).expect(303);
    expect((await other.get('/api/me')).body).toEqual({ user: null });
    expect((await t.agent.get('/api/me')).body.user).not.toBeNull();

    const again = await t.formToken('/account');
    const wrong = await t.agent.post('/account/password').type('form').send({ current_password: 'not it at all', new_password: 'another passphrase', csrf: again }).expect(401);
    expect(wrong.text).toContain('The current password is wrong.');
  });

  it('gives this browser a new session token when the password changes, and keeps it signed in', async () => {
    const user = await signedIn();
    const cookieOf = (res: supertest.Response) =>
      ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).find((c) => c.startsWith('userbox_session='))?.split(';')[0];
    const signIn = await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const before = cookieOf(signIn)!;
    const csrf = await t.formToken('/account');
    const res = await t.agent.post('/account/password').type('form').send({ current_password: user.password, new_password: 'entirely new passphrase', csrf }).expect(303);
    expect(res.headers.location).toMatch(/^\/account\?account=[A-Za-z0-9_-]+&done=password$/);
    const after = cookieOf(res);
    expect(after).toMatch(/^userbox_session=[A-Za-z0-9_-]{43}$/);
    expect(after).not.toBe(before);
    expect((await supertest(t.app).get('/api/me').set('Cookie', before)).body).toEqual({ user: null });
    expect((await t.agent.get('/account?done=password').expect(200)).text).toContain('Your password was changed.');
  });

  it('throttles wrong current passwords on the form like failed sign-ins', async () => {
    const strict = await createTestApp({ loginThrottle: { freeAttempts: 2, maxDelayMs: 60_000, accountLockThreshold: 100, accountLockMs: 60_000, deviceLockThreshold: 100 } });
    const user = await strict.createUser();
    await strict.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    for (let i = 0; i < 2; i++) {
      const csrf = await strict.formToken('/account');
      await strict.agent.post('/account/password').type('form').send({ current_password: `guess ${i}`, new_password: 'entirely new passphrase', csrf }).expect(401);
    }
    const csrf = await strict.formToken('/account');
    const limited = await strict.agent.post('/account/password').type('form').send({ current_password: user.password, new_password: 'entirely new passphrase', csrf }).expect(429);
    expect(limited.text).toContain('Too many attempts.');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('signs out one other session, then everywhere', async () => {
    const user = await signedIn();
    const phone = supertest.agent(t.app).set('Origin', serviceOrigin).set('User-Agent', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1');
    await phone.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const page = await t.agent.get('/account').expect(200);
    const action = formAction(page.text, 'Sign out Safari on iOS');
    expect(action).toMatch(/^\/account\/sessions\/[A-Za-z0-9_-]+\/revoke$/);
    const csrf = await t.formToken('/account');
    await t.agent.post(action!).type('form').send({ csrf }).expect(303);
    expect((await phone.get('/api/me')).body).toEqual({ user: null });

    await phone.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const csrf2 = await t.formToken('/account');
    const res = await t.agent.post('/account/sessions/revoke-all').type('form').send({ csrf: csrf2 }).expect(303);
    expect(res.headers.location).toBe('/login');
    expect((await phone.get('/api/me')).body).toEqual({ user: null });
    expect((await t.agent.get('/api/me')).body).toEqual({ user: null });
  });

  it('refuses account forms without the CSRF token', async () => {
    await signedIn();
    await t.agent.get('/account').expect(200);
    await t.agent.post('/account/sessions/revoke-all').type('form').send({}).expect(403);
    expect((await t.agent.get('/api/me')).body.user).not.toBeNull();
  });
});
