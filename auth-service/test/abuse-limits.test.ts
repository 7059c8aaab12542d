import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { clientNetwork } from '../src/services/login-throttle.js';
import { createTestApp, serviceOrigin } from './test-app.js';

const policy = { freeAttempts: 3, maxDelayMs: 60_000, accountLockThreshold: 10, accountLockMs: 15 * 60_000, deviceLockThreshold: 10 };

function login(app: Parameters<typeof supertest>[0], email: string, password: string, ip?: string) {
  const req = supertest(app).post('/api/session').set('Origin', serviceOrigin);
  if (ip) req.set('X-Forwarded-For', ip);
  return req.send({ email, password });
}

describe('per-IP rate limit on auth routes', () => {
  it('answers 429 TOO_MANY_ATTEMPTS with Retry-After past the limit, per client IP', async () => {
    const t = await createTestApp({ authRateLimitPerMinute: 5, trustProxy: 1 });
    const user = await t.createUser(); // sign-up counts too: 1 of 5 for the socket address
    for (let i = 0; i < 5; i++) expect((await login(t.app, `x${i}@example.test`, 'whatever password', '203.0.113.7')).status).toBe(401);
    const limited = await login(t.app, user.email, user.password, '203.0.113.7').expect(429);
    expect(limited.body.error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another client is not affected by the first one's abuse.
    await login(t.app, user.email, user.password, '198.51.100.9').expect(200);
  });

  it('ignores X-Forwarded-For unless trust proxy is configured, so a client cannot choose its key', async () => {
    const t = await createTestApp({ authRateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i++) await login(t.app, 'a@example.test', 'wrong password', `10.0.0.${i}`).expect(401);
    await login(t.app, 'a@example.test', 'wrong password', '10.0.0.99').expect(429);
  });

  it('leaves GET /api/me unlimited', async () => {
    const t = await createTestApp({ authRateLimitPerMinute: 2 });
    for (let i = 0; i < 10; i++) await supertest(t.app).get('/api/me').expect(200);
  });
});

describe('per-account login throttle', () => {
  it('after the free attempts, makes each further try wait longer (1 s, 2 s, 4 s …)', async () => {
    const t = await createTestApp({ loginThrottle: policy, trustProxy: 1 });
    const user = await t.createUser();
    for (let i = 0; i < 3; i++) await login(t.app, user.email, 'wrong password', '203.0.113.1').expect(401);
    const first = await login(t.app, user.email, user.password, '203.0.113.1').expect(429);
    expect(first.headers['retry-after']).toBe('1');
    t.now.value += 1000;
    await login(t.app, user.email, 'wrong password', '203.0.113.1').expect(401);
    expect((await login(t.app, user.email, user.password, '203.0.113.1').expect(429)).headers['retry-after']).toBe('2');
    t.now.value += 2000;
    await login(t.app, user.email, 'wrong password', '203.0.113.1').expect(401);
    expect((await login(t.app, user.email, user.password, '203.0.113.1').expect(429)).headers['retry-after']).toBe('4');
    t.now.value += 4000;
    await login(t.app, user.email, user.password, '203.0.113.1').expect(200);
    // Success clears the delay for that IP.
    await login(t.app, user.email, 'wrong password', '203.0.113.1').expect(401);
  });

  it('counts each password check before it runs: 30 wrong passwords at once get no more checks than one by one', async () => {
    const shipped = { freeAttempts: 5, maxDelayMs: 15 * 60_000, accountLockThreshold: 100, accountLockMs: 15 * 60_000, deviceLockThreshold: 10 };
    const t = await createTestApp({ loginThrottle: shipped, trustProxy: 1, authRateLimitPerMinute: 1000 });
    const user = await t.createUser();
    const statuses = (
      await Promise.all(Array.from({ length: 30 }, (_, i) => login(t.app, user.email, `concurrent guess ${i}`, '203.0.113.30')))
    ).map((res) => res.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(shipped.freeAttempts);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    // That client now waits; the owner elsewhere does not.
    await login(t.app, user.email, user.password, '203.0.113.30').expect(429);
    await login(t.app, user.email, user.password, '198.51.100.30').expect(200);
  });

  it('keys IPv6 clients on their /64 and IPv4-mapped addresses as IPv4', async () => {
    const t = await createTestApp({ loginThrottle: policy, trustProxy: 1 });
    const user = await t.createUser();
    // Three failures spread over one /64 (written three ways) use up its free attempts…
    for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0DB8:0001:0002:0:0:0:77']) {
      await login(t.app, user.email, 'wrong password', ip).expect(401);
    }
    await login(t.app, user.email, user.password, '2001:db8:1:2:abcd::1').expect(429);
    // …but not those of the next /64.
    await login(t.app, user.email, user.password, '2001:db8:1:3::1').expect(200);

    const other = await t.createUser();
    for (const ip of ['203.0.113.9', '::ffff:203.0.113.9', '::FFFF:cb00:7109']) await login(t.app, other.email, 'wrong password', ip).expect(401);
    await login(t.app, other.email, other.password, '203.0.113.9').expect(429);
    await login(t.app, other.email, other.password, '203.0.113.10').expect(200);
  });

  it('does not slow the same account from another IP below the account-wide threshold', async () => {
    const t = await createTestApp({ loginThrottle: policy, trustProxy: 1 });
    const user = await t.createUser();
    for (let i = 0; i < 5; i++) await login(t.app, user.email, 'wrong password', '203.0.113.1');
    await login(t.app, user.email, user.password, '198.51.100.2').expect(200);
  });

  it('locks an account under attack from many IPs, except for browsers that signed in to it before', async () => {
    const t = await createTestApp({ loginThrottle: policy, trustProxy: 1 });
    const user = await t.createUser();
    const owner = supertest.agent(t.app).set('Origin', serviceOrigin).set('X-Forwarded-For', '192.0.2.50');
    await owner.post('/api/session').send({ email: user.email, password: user.password }).expect(200);

    for (let i = 0; i < 10; i++) await login(t.app, user.email, 'guess number ' + i, `203.0.113.${i}`).expect(401);
    const stranger = await login(t.app, user.email, user.password, '198.51.100.77').expect(429);
    expect(stranger.body.error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(stranger.headers['retry-after'])).toBeGreaterThan(60);

    // The owner's browser carries its known-device cookie and still gets in, from a new IP too.
    await owner.set('X-Forwarded-For', '192.0.2.51').post('/api/session').send({ email: user.email, password: user.password }).expect(200);

    t.now.value += policy.accountLockMs + 1000;
    await login(t.app, user.email, user.password, '198.51.100.77').expect(200);
  });

  it('counts every casing of an address as the one account it names', async () => {
    const t = await createTestApp({ loginThrottle: policy, trustProxy: 1 });
    const user = await t.createUser({ email: 'Casey.Jones@example.test' });
    for (const email of ['casey.jones@example.test', 'CASEY.JONES@example.test', 'Casey.Jones@EXAMPLE.test']) {
      await login(t.app, email, 'wrong password', '203.0.113.1').expect(401);
    }
    await login(t.app, user.email, user.password, '203.0.113.1').expect(429);
  });

  it('treats unknown emails the same way, so a lock does not reveal whether an account exists', async () => {
    const t = await createTestApp({ loginThrottle: policy, trustProxy: 1 });
    for (let i = 0; i < 3; i++) await login(t.app, 'nobody@example.test', 'wrong password', '203.0.113.1').expect(401);
    expect((await login(t.app, 'nobody@example.test', 'wrong password', '203.0.113.1').expect(429)).body.error.code).toBe('TOO_MANY_ATTEMPTS');
  });
});

describe('clientNetwork', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['::FFFF:cb00:7109', '203.0.113.9'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0000:0002::9', '2001:db8:0:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['', ''],
  ])('keys %j as %j', (ip, key) => {
    expect(clientNetwork(ip)).toBe(key);
  });
});
