import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { createTestApp, serviceOrigin, type TestApp } from './test-app.js';

// Known-device tokens (OWASP "device cookies"): what lets a browser that signed in to an account before get in
// while the account is locked to strangers, and what limits how far a stolen one gets.
const policy = { freeAttempts: 3, maxDelayMs: 60_000, accountLockThreshold: 3, accountLockMs: 15 * 60_000, deviceLockThreshold: 5 };

type Agent = ReturnType<typeof supertest.agent>;

/** A browser: keeps its cookies, and comes from `ip` (the test apps trust one proxy hop). */
function browser(t: TestApp, ip: string): Agent {
  return supertest.agent(t.app).set('Origin', serviceOrigin).set('X-Forwarded-For', ip);
}

function deviceCookie(res: supertest.Response): string | undefined {
  const set = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  return set.find((c) => c.startsWith('userbox_device='))?.split(';')[0]?.slice('userbox_device='.length);
}

/** A sign-in carrying exactly this device cookie (a copy of a browser's, say), from `ip`. */
function signInWith(t: TestApp, device: string, email: string, password: string, ip: string) {
  return supertest(t.app).post('/api/session').set('Origin', serviceOrigin).set('X-Forwarded-For', ip).set('Cookie', `userbox_device=${device}`).send({ email, password });
}

function stranger(t: TestApp, email: string, password: string, ip: string) {
  return supertest(t.app).post('/api/session').set('Origin', serviceOrigin).set('X-Forwarded-For', ip).send({ email, password });
}

/** Locks the account for strangers: `accountLockThreshold` wrong passwords from as many addresses. */
async function lockForStrangers(t: TestApp, email: string) {
  for (let i = 0; i < policy.accountLockThreshold; i++) await stranger(t, email, `botnet guess ${i}`, `10.9.0.${i}`).expect(401);
}

const sha256 = (token: string) => createHash('sha256').update(token).digest('base64url');

describe('known-device tokens', () => {
  it('are random per browser and sign-in, name no account, and are stored only as a hash', async () => {
    const t = await createTestApp({ loginThrottle: policy, trustProxy: 1 });
    const user = await t.createUser();
    const first = deviceCookie(await browser(t, '192.0.2.1').post('/api/session').send({ email: user.email, password: user.password }).expect(200));
    const second = deviceCookie(await browser(t, '192.0.2.1').post('/api/session').send({ email: user.email, password: user.password }).expect(200));
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second).not.toBe(first);

    const { rows } = await sql<{ token_hash: string; user_id: string }>`SELECT * FROM known_devices`.execute(t.store.db);
    expect(rows.map((r) => r.token_hash).sort()).toEqual([sha256(first!), sha256(second!)].sort());
    expect(rows.every((r) => r.user_id === user.id)).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(first);
    expect(JSON.stringify(rows)).not.toContain(second);
  });

  it('let the browser that holds one in while strangers are locked out, but only for its own account', async () => {
    const t = await createTestApp({ loginThrottle: policy, trustProxy: 1 });
    const user = await t.createUser();
    const other = await t.createUser();
    const owner = browser(t, '192.0.2.2');
    await owner.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    await lockForStrangers(t, user.email);
    await lockForStrangers(t, other.email);
    await stranger(t, user.email, user.password, '198.51.100.2').expect(429);
    await owner.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    await owner.post('/api/session').send({ email: other.email, password: other.password }).expect(429);
  });

  it('are replaced at each sign-in: the browser keeps the new one, and a copy of the old one no longer counts', async () => {
    const t = await createTestApp({ loginThrottle: policy, trustProxy: 1 });
    const user = await t.createUser();
    const owner = browser(t, '192.0.2.3');
    const old = deviceCookie(await owner.post('/api/session').send({ email: user.email, password: user.password }).expect(200))!;
    const renewed = deviceCookie(await owner.post('/api/session').send({ email: user.email, password: user.password }).expect(200))!;
    expect(renewed).not.toBe(old);
    expect(renewed).not.toContain(old);
    await lockForStrangers(t, user.email);
    await signInWith(t, old, user.email, user.password, '198.51.100.3').expect(429);
    await owner.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
  });

  it('count their failures against themselves, not against the lock that strangers hit', async () => {
    const t = await createTestApp({ loginThrottle: policy, trustProxy: 1 });
    const user = await t.createUser();
    const owner = browser(t, '192.0.2.4');
    await owner.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    // The owner mistypes more often than strangers may fail (from several addresses, past the per-client delay)…
    for (let i = 0; i < policy.deviceLockThreshold - 1; i++) {
      await owner.set('X-Forwarded-For', `192.0.2.${100 + i}`).post('/api/session').send({ email: user.email, password: 'typo' }).expect(401);
    }
    // …which locks nobody: a new browser still signs in, and so does the owner.
    await stranger(t, user.email, user.password, '198.51.100.4').expect(200);
    await owner.set('X-Forwarded-For', '192.0.2.4').post('/api/session').send({ email: user.email, password: user.password }).expect(200);
  });

  it('give a stolen copy only its own few guesses while the account is locked', async () => {
    const t = await createTestApp({ loginThrottle: policy, trustProxy: 1 });
    const user = await t.createUser();
    const stolen = deviceCookie(await browser(t, '192.0.2.5').post('/api/session').send({ email: user.email, password: user.password }).expect(200))!;
    await lockForStrangers(t, user.email);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await signInWith(t, stolen, user.email, `stolen guess ${i}`, `10.8.${i}.1`)).status);
    expect(statuses).toEqual([...Array<number>(policy.deviceLockThreshold).fill(401), ...Array<number>(20 - policy.deviceLockThreshold).fill(429)]);
    // Used up, it is a stranger's: even the right password waits out the lock.
    await signInWith(t, stolen, user.email, user.password, '10.8.99.1').expect(429);
    t.now.value += policy.accountLockMs + 1000;
    await signInWith(t, stolen, user.email, user.password, '10.8.99.1').expect(200);
  });

  it('end when the password changes', async () => {
    const t = await createTestApp({ loginThrottle: policy, trustProxy: 1 });
    const user = await t.createUser();
    const laptop = browser(t, '192.0.2.6');
    const laptopToken = deviceCookie(await laptop.post('/api/session').send({ email: user.email, password: user.password }).expect(200))!;
    const phone = browser(t, '192.0.2.7');
    await phone.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    await phone.post('/api/me/password').send({ currentPassword: user.password, newPassword: 'a brand new passphrase' }).expect(204);

    await lockForStrangers(t, user.email);
    await signInWith(t, laptopToken, user.email, 'a brand new passphrase', '192.0.2.6').expect(429);
  });

  it('are issued anew to the browser that changed the password, which stays known', async () => {
    const t = await createTestApp({ loginThrottle: policy, trustProxy: 1 });
    const user = await t.createUser();
    const phone = browser(t, '192.0.2.8');
    const old = deviceCookie(await phone.post('/api/session').send({ email: user.email, password: user.password }).expect(200))!;
    const change = await phone.post('/api/me/password').send({ currentPassword: user.password, newPassword: 'a brand new passphrase' }).expect(204);
    const renewed = deviceCookie(change);
    expect(renewed).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(renewed).not.toBe(old);
    const { rows } = await sql<{ token_hash: string }>`SELECT token_hash FROM known_devices`.execute(t.store.db);
    expect(rows.map((r) => r.token_hash)).toEqual([sha256(renewed!)]);

    await lockForStrangers(t, user.email);
    await phone.post('/api/session').send({ email: user.email, password: 'a brand new passphrase' }).expect(200);
  });
});
