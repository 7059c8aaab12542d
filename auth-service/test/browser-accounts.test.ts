import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { appOrigin, createTestApp, foreignOrigin, type TestApp } from './test-app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

type Agent = ReturnType<typeof supertest.agent>;
type User = Awaited<ReturnType<TestApp['createUser']>>;
interface Entry {
  id: string;
  name: string;
  email: string;
  picture: string | null;
  current: boolean;
}

const setCookies = (res: supertest.Response): string[] => ([] as string[]).concat(res.headers['set-cookie'] ?? []);
const cookieValue = (res: supertest.Response, name: string): string | undefined =>
  setCookies(res)
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0]
    ?.slice(name.length + 1);

const signIn = (agent: Agent, user: User, add?: boolean) =>
  agent.post('/api/session').send({ email: user.email, password: user.password, ...(add === undefined ? {} : { add }) });

async function twoAccounts(): Promise<{ a: User; b: User; handleA: string; handleB: string }> {
  const a = await t.createUser({ name: 'Ada A' });
  const b = await t.createUser({ name: 'Bob B' });
  await signIn(t.agent, a).expect(200);
  const added = await signIn(t.agent, b, true).expect(200);
  const accounts = added.body.accounts as Entry[];
  return { a, b, handleA: accounts[0]!.id, handleB: accounts[1]!.id };
}

describe('adding an account', () => {
  it('adds B while A is signed in: both listed, A stays the default, B answers with ?account=', async () => {
    const a = await t.createUser({ name: 'Ada A' });
    const b = await t.createUser({ name: 'Bob B' });
    await signIn(t.agent, a).expect(200);
    const added = await signIn(t.agent, b, true).expect(200);
    expect(added.body.user).toMatchObject({ id: b.id, email: b.email });
    expect(added.body.accounts).toEqual([
      { id: expect.any(String), name: 'Ada A', email: a.email, picture: null, current: false },
      { id: expect.any(String), name: 'Bob B', email: b.email, picture: null, current: true },
    ]);
    const [entryA, entryB] = added.body.accounts as Entry[];
    // Handles are opaque: not the user ids.
    expect([entryA!.id, entryB!.id]).not.toContain(a.id);
    expect([entryA!.id, entryB!.id]).not.toContain(b.id);

    const me = (await t.agent.get('/api/me').expect(200)).body;
    expect(me.user.id).toBe(a.id);
    expect(me.accounts.map((e: Entry) => [e.id, e.current])).toEqual([
      [entryA!.id, true],
      [entryB!.id, false],
    ]);
    const asB = (await t.agent.get('/api/me').query({ account: entryB!.id }).expect(200)).body;
    expect(asB.user.id).toBe(b.id);
    expect(asB.session.id).toBe(entryB!.id);
    expect(asB.accounts.map((e: Entry) => [e.email, e.current])).toEqual([
      [a.email, false],
      [b.email, true],
    ]);
  });

  it('gives a single account a one-entry list, marked current', async () => {
    const a = await t.createUser();
    await signIn(t.agent, a).expect(200);
    const me = (await t.agent.get('/api/me').expect(200)).body;
    expect(me.accounts).toEqual([{ id: me.session.id, name: a.name, email: a.email, picture: null, current: true }]);
  });

  it('puts an account signed in without `add` first, so it is the one shown by default', async () => {
    const a = await t.createUser();
    const b = await t.createUser();
    await signIn(t.agent, a).expect(200);
    await signIn(t.agent, b).expect(200);
    const me = (await t.agent.get('/api/me').expect(200)).body;
    expect(me.user.id).toBe(b.id);
    expect(me.accounts.map((e: Entry) => e.email)).toEqual([b.email, a.email]);
  });

  it('keeps one copy when the same account signs in again, with the same handle and a new token', async () => {
    const { a, b, handleA, handleB } = await twoAccounts();
    const before = (await t.agent.get('/api/me')).body;
    expect(before.accounts).toHaveLength(2);
    const oldTokens = await t.store.sessions.findById(handleA);
    const again = await signIn(t.agent, a, true).expect(200);
    // The old token of A's session no longer works (also not from the session cache in front of the store).
    expect(await t.store.sessions.findByTokenHash(oldTokens!.token_hash)).toBeUndefined();
    expect((await t.store.sessions.findById(handleA))?.token_hash).not.toBe(oldTokens!.token_hash);
    expect(again.body.accounts.map((e: Entry) => e.id)).toEqual([handleA, handleB]);
    await signIn(t.agent, b).expect(200);
    const me = (await t.agent.get('/api/me').expect(200)).body;
    expect(me.accounts.map((e: Entry) => e.id)).toEqual([handleB, handleA]);
    expect((await t.agent.get('/api/sessions').expect(200)).body.sessions).toHaveLength(1);
  });

  it('holds the tokens in one HttpOnly, SameSite=Lax cookie that names no account; __Host- and Secure on https', async () => {
    const secure = await createTestApp({ publicUrl: 'https://accounts.example.test' });
    // supertest speaks http, where a cookie jar withholds Secure cookies: the cookie is carried by hand.
    const post = () => supertest(secure.app).post('/api/session').set('Origin', secure.publicUrl);
    const a = await secure.createUser();
    const b = await secure.createUser();
    const first = await post().send({ email: a.email, password: a.password }).expect(200);
    const res = await post()
      .set('Cookie', `__Host-userbox_session=${cookieValue(first, '__Host-userbox_session')}`)
      .send({ email: b.email, password: b.password, add: true })
      .expect(200);
    const cookie = setCookies(res).find((c) => c.startsWith('__Host-userbox_session='))!;
    expect(cookie).toMatch(/^__Host-userbox_session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Domain=/);
    for (const c of setCookies(res)) {
      for (const secret of [a.id, b.id, a.email, b.email, encodeURIComponent(a.email), ...res.body.accounts.map((e: Entry) => e.id)]) {
        expect(c).not.toContain(secret);
      }
    }
  });

  it('refuses a sixth account with 409 TOO_MANY_ACCOUNTS, and still lets one of the five sign in again', async () => {
    const users: User[] = [];
    for (let i = 0; i < 6; i += 1) users.push(await t.createUser());
    for (const u of users.slice(0, 5)) await signIn(t.agent, u, true).expect(200);
    const refused = await signIn(t.agent, users[5]!, true).expect(409);
    expect(refused.body).toEqual({ error: { code: 'TOO_MANY_ACCOUNTS', message: expect.stringMatching(/5 accounts.*Sign out of one/) } });
    expect(setCookies(refused).find((c) => c.startsWith('userbox_session='))).toBeUndefined();
    await signIn(t.agent, users[5]!).expect(409);
    const me = (await t.agent.get('/api/me').expect(200)).body;
    expect(me.accounts.map((e: Entry) => e.email)).toEqual(users.slice(0, 5).map((u) => u.email));
    await signIn(t.agent, users[2]!, true).expect(200);
    // After signing out of one there is room again.
    await t.agent.delete('/api/session').query({ account: me.accounts[0].id }).expect(204);
    await signIn(t.agent, users[5]!, true).expect(200);
  });
});

describe('signing out', () => {
  it('signs out one account: the other becomes the default, the ended one answers signed out', async () => {
    const { a, b, handleA, handleB } = await twoAccounts();
    const before = await t.agent.get('/api/me').query({ account: handleA });
    expect(before.body.user.id).toBe(a.id);
    await t.agent.delete('/api/session').query({ account: handleA }).expect(204);
    const me = (await t.agent.get('/api/me').expect(200)).body;
    expect(me.user.id).toBe(b.id);
    expect(me.accounts).toEqual([expect.objectContaining({ id: handleB, current: true })]);
    expect((await t.agent.get('/api/me').query({ account: handleA }).expect(200)).body).toEqual({ user: null });
  });

  it('signs out of all accounts of this browser, and none of the old tokens works again', async () => {
    const a = await t.createUser();
    const b = await t.createUser();
    await signIn(t.agent, a).expect(200);
    const value = cookieValue(await signIn(t.agent, b, true).expect(200), 'userbox_session');
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect((await supertest(t.app).get('/api/me').set('Cookie', `userbox_session=${value}`)).body.accounts).toHaveLength(2);
    await t.agent.delete('/api/session').expect(204);
    expect((await t.agent.get('/api/me').expect(200)).body).toEqual({ user: null });
    for (const token of value!.split('.')) {
      expect((await supertest(t.app).get('/api/me').set('Cookie', `userbox_session=${token}`)).body).toEqual({ user: null });
    }
  });

  it('ends nothing for a handle that is not this browser’s', async () => {
    const { handleA } = await twoAccounts();
    const other = supertest.agent(t.app).set('Origin', t.publicUrl);
    const c = await t.createUser();
    const handleC = (await signIn(other, c).expect(200)).body.session.id as string;
    const res = await t.agent.delete('/api/session').query({ account: handleC }).expect(204);
    expect(cookieValue(res, 'userbox_session')).toBeUndefined();
    expect((await other.get('/api/me')).body.user.id).toBe(c.id);
    expect((await t.agent.get('/api/me')).body.accounts[0].id).toBe(handleA);
  });

  it('"Sign out everywhere" ends one user’s sessions on every device and keeps this browser’s other account', async () => {
    const { a, b, handleB } = await twoAccounts();
    const elsewhere = supertest.agent(t.app).set('Origin', t.publicUrl);
    await signIn(elsewhere, b).expect(200);
    await t.agent.delete('/api/sessions').query({ account: handleB }).expect(204);
    expect((await elsewhere.get('/api/me')).body).toEqual({ user: null });
    const me = (await t.agent.get('/api/me')).body;
    expect(me.user.id).toBe(a.id);
    expect(me.accounts).toHaveLength(1);
  });

  it('gives the sync cookie a new value whenever the set of accounts changes', async () => {
    const a = await t.createUser();
    const b = await t.createUser();
    const values = new Set<string>();
    const step = (res: supertest.Response) => {
      const v = cookieValue(res, 'userbox_sync');
      expect(v).toMatch(/^[A-Za-z0-9_-]{12}$/);
      values.add(v!);
    };
    step(await signIn(t.agent, a).expect(200));
    step(await signIn(t.agent, b, true).expect(200));
    const handleB = (await t.agent.get('/api/me')).body.accounts[1].id as string;
    step(await t.agent.delete('/api/session').query({ account: handleB }).expect(204));
    step(await t.agent.delete('/api/session').expect(204));
    expect(values.size).toBe(4);
    // Reading changes nothing.
    expect(cookieValue(await t.agent.get('/api/me'), 'userbox_sync')).toBeUndefined();
  });
});

describe('handles and origins', () => {
  it('answers another browser’s handle as signed out, never as that user', async () => {
    await twoAccounts();
    const other = supertest.agent(t.app).set('Origin', t.publicUrl);
    const c = await t.createUser();
    const handleC = (await signIn(other, c).expect(200)).body.session.id as string;
    expect((await t.agent.get('/api/me').query({ account: handleC }).expect(200)).body).toEqual({ user: null });
    // And with no cookie at all.
    expect((await supertest(t.app).get('/api/me').query({ account: handleC }).expect(200)).body).toEqual({ user: null });
    // PATCH /api/me for that handle is refused too.
    await t.agent.patch('/api/me').query({ account: handleC }).send({ name: 'Mallory' }).expect(401);
    expect((await other.get('/api/me')).body.user.name).toBe(c.name);
  });

  it('refuses a malformed or repeated handle with 400', async () => {
    await twoAccounts();
    const bad = await t.agent.get('/api/me?account=%3Cscript%3E').expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    await t.agent.get('/api/me?account=a&account=b').expect(400);
  });

  it('gives the list only to registered origins: no CORS headers for another origin', async () => {
    await twoAccounts();
    const registered = await t.agent.get('/api/me').set('Origin', appOrigin).expect(200);
    expect(registered.headers['access-control-allow-origin']).toBe(appOrigin);
    expect(registered.headers['access-control-allow-credentials']).toBe('true');
    expect(registered.body.accounts).toHaveLength(2);
    const foreign = await t.agent.get('/api/me').set('Origin', foreignOrigin);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    expect(foreign.headers['access-control-allow-credentials']).toBeUndefined();
    const preflight = await t.agent.options('/api/me').set('Origin', foreignOrigin).set('Access-Control-Request-Method', 'GET');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses adding or signing out from an unregistered origin (CSRF)', async () => {
    const { b } = await twoAccounts();
    await t.agent.post('/api/session').set('Origin', foreignOrigin).send({ email: b.email, password: b.password, add: true }).expect(403);
    await t.agent.delete('/api/session').set('Origin', foreignOrigin).expect(403);
    expect((await t.agent.get('/api/me')).body.accounts).toHaveLength(2);
  });

  it('acts on the account asked for: a password change of B keeps A signed in', async () => {
    const { a, b, handleB } = await twoAccounts();
    await t.agent.post('/api/me/password').query({ account: handleB }).send({ currentPassword: b.password, newPassword: 'a brand new passphrase' }).expect(204);
    const me = (await t.agent.get('/api/me')).body;
    expect(me.user.id).toBe(a.id);
    expect(me.accounts.map((e: Entry) => e.id)).toContain(handleB);
    const patched = await t.agent.patch('/api/me').query({ account: handleB }).send({ name: 'Bobby' }).expect(200);
    expect(patched.body.user).toMatchObject({ id: b.id, name: 'Bobby' });
    expect(patched.body.accounts.map((e: Entry) => e.name)).toEqual(['Ada A', 'Bobby']);
  });
});
