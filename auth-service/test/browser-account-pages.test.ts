import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { appOrigin, createTestApp, type TestApp } from './test-app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

type User = Awaited<ReturnType<TestApp['createUser']>>;
const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)![1]!;

/** The login form in add mode, filled in and posted as a browser would. */
async function addByForm(user: User, status: number, returnTo = `${appOrigin}/`) {
  const page = await t.agent.get('/login').query({ add: '1', return_to: returnTo }).expect(200);
  return t.agent
    .post('/login')
    .type('form')
    .send({ email: user.email, password: user.password, add: '1', return_to: returnTo, csrf: csrfOf(page.text) })
    .expect(status);
}

describe('/login?add=1', () => {
  it('says it adds an account and shows nothing of the accounts already signed in', async () => {
    const a = await t.createUser({ name: 'Ada Private' });
    await t.agent.post('/api/session').send({ email: a.email, password: a.password }).expect(200);
    const page = await t.agent.get('/login').query({ add: '1', return_to: `${appOrigin}/` }).expect(200);
    expect(page.text).toContain('<title>Add another account · Userbox</title>');
    expect(page.text).toContain('<h1>Add another account</h1>');
    expect(page.text).toContain('stay signed in');
    expect(page.text).toContain('name="add" value="1"');
    expect(page.text).not.toContain(a.email);
    expect(page.text).not.toContain('Ada Private');
    const plain = await t.agent.get('/login').expect(200);
    expect(plain.text).toContain('<h1>Sign in</h1>');
    expect(plain.text).not.toContain('name="add"');
  });

  it('adds the account after the others and returns to return_to', async () => {
    const a = await t.createUser();
    const b = await t.createUser();
    await t.agent.post('/api/session').send({ email: a.email, password: a.password }).expect(200);
    const res = await addByForm(b, 303);
    expect(res.headers['location']).toBe(`${appOrigin}/`);
    const me = (await t.agent.get('/api/me')).body;
    expect(me.user.id).toBe(a.id);
    expect(me.accounts.map((e: { email: string }) => e.email)).toEqual([a.email, b.email]);
  });

  it('refuses a sixth account on the page with the reason, and keeps the five', async () => {
    const users: User[] = [];
    for (let i = 0; i < 6; i += 1) users.push(await t.createUser());
    for (const u of users.slice(0, 5)) await addByForm(u, 303);
    const res = await addByForm(users[5]!, 409);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toMatch(/<p class="error" role="alert" id="login-error">This browser is already signed in to 5 accounts\. Sign out of one of them to add another\.<\/p>/);
    expect(res.text).toContain('<h1>Add another account</h1>');
    expect((await t.agent.get('/api/me')).body.accounts).toHaveLength(5);
  });

  it('refuses a sign-up on a browser that already holds five accounts, before creating it', async () => {
    for (let i = 0; i < 5; i += 1) await addByForm(await t.createUser(), 303);
    const page = await t.agent.get('/signup').expect(200);
    const email = `new.${Date.now()}@example.test`;
    const res = await t.agent
      .post('/signup')
      .type('form')
      .send({ name: 'New', email, password: 'correct horse battery staple', return_to: `${appOrigin}/`, csrf: csrfOf(page.text) })
      .expect(409);
    expect(res.text).toContain('5 accounts');
    expect(await t.store.users.findByEmail(email)).toBeUndefined();
  });
});

describe('/account with several accounts', () => {
  async function two() {
    const a = await t.createUser({ name: 'Ada A' });
    const b = await t.createUser({ name: 'Bob B' });
    await t.agent.post('/api/session').send({ email: a.email, password: a.password }).expect(200);
    await t.agent.post('/api/session').send({ email: b.email, password: b.password, add: true }).expect(200);
    const [handleA, handleB] = (await t.agent.get('/api/me')).body.accounts.map((e: { id: string }) => e.id) as [string, string];
    return { a, b, handleA, handleB };
  }

  it('shows the default account, lists both with switch links and a sign-out for each, add and sign out of all', async () => {
    const { a, b, handleB } = await two();
    const page = await t.agent.get('/account').expect(200);
    expect(page.text).toContain(`value="Ada A"`);
    expect(page.text).toContain('<h2 id="accounts-heading">Accounts on this browser</h2>');
    expect(page.text).toContain(`<a href="/account?account=${handleB}" aria-label="Switch to Bob B (${b.email})">Bob B</a>`);
    expect(page.text).toContain(`aria-label="Sign out of Ada A (${a.email})"`);
    expect(page.text).toContain(`aria-label="Sign out of Bob B (${b.email})"`);
    expect(page.text).toContain('Sign out of all accounts');
    expect(page.text).toMatch(/href="\/login\?add=1&amp;return_to=http%3A%2F%2Faccounts\.example\.test%2Faccount"/);
    const asB = await t.agent.get('/account').query({ account: handleB }).expect(200);
    expect(asB.text).toContain(`value="Bob B"`);
    expect(asB.text).toContain(`name="account" value="${handleB}"`);
  });

  it('changes the profile of the account the form is about', async () => {
    const { a, b, handleB } = await two();
    const page = await t.agent.get('/account').query({ account: handleB }).expect(200);
    await t.agent.post('/account/profile').type('form').send({ name: 'Bobby', picture: '', account: handleB, csrf: csrfOf(page.text) }).expect(303);
    expect((await t.store.users.findById(b.id))?.name).toBe('Bobby');
    expect((await t.store.users.findById(a.id))?.name).toBe('Ada A');
  });

  it('signs out one account, then all of them', async () => {
    const { b, handleA } = await two();
    const page = await t.agent.get('/account').expect(200);
    const one = await t.agent.post('/logout').type('form').send({ account: handleA, csrf: csrfOf(page.text) }).expect(303);
    expect(one.headers['location']).toBe(`${t.publicUrl}/account`);
    expect((await t.agent.get('/api/me')).body.user.id).toBe(b.id);
    const again = await t.agent.get('/account').expect(200);
    const all = await t.agent.post('/logout').type('form').send({ csrf: csrfOf(again.text) }).expect(303);
    expect(all.headers['location']).toBe(`${t.publicUrl}/login`);
    expect((await t.agent.get('/api/me')).body).toEqual({ user: null });
  });

  it('sends a handle that is not this browser’s to the sign-in page', async () => {
    await two();
    const other = supertest.agent(t.app).set('Origin', t.publicUrl);
    const c = await t.createUser();
    const handleC = (await other.post('/api/session').send({ email: c.email, password: c.password }).expect(200)).body.session.id as string;
    const res = await t.agent.get('/account').query({ account: handleC }).expect(303);
    expect(res.headers['location']).toMatch(/^\/login\?/);
  });
});
