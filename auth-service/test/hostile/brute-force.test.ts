import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { createTestApp, serviceOrigin } from '../test-app.js';

// The limits as shipped (config defaults): 30 password checks per IP per minute, 5 free failures per
// account and IP, account lock after 100 failures from all IPs.
const shipped = { freeAttempts: 5, maxDelayMs: 15 * 60_000, accountLockThreshold: 100, accountLockMs: 15 * 60_000, deviceLockThreshold: 10 };

function login(app: Parameters<typeof supertest>[0], email: string, password: string, ip: string) {
  return supertest(app).post('/api/session').set('Origin', serviceOrigin).set('X-Forwarded-For', ip).send({ email, password });
}

describe('brute force', () => {
  it('1,000 wrong passwords against one account from 1,000 IPs: locked after the threshold; its owner and other users still sign in', async () => {
    const t = await createTestApp({ trustProxy: 1, authRateLimitPerMinute: 30, loginThrottle: shipped });
    const victim = await t.createUser();
    const bystander = await t.createUser();
    const owner = supertest.agent(t.app).set('Origin', serviceOrigin).set('X-Forwarded-For', '192.0.2.10');
    await owner.post('/api/session').send({ email: victim.email, password: victim.password }).expect(200);

    const counts = { 401: 0, 429: 0, other: 0 };
    for (let i = 0; i < 1000; i++) {
      const ip = `10.${(i >> 8) & 255}.${i & 255}.1`;
      const res = await login(t.app, victim.email, `guess-${i}`, ip);
      if (res.status === 401 || res.status === 429) counts[res.status] += 1;
      else counts.other += 1;
    }
    expect(counts).toEqual({ 401: 100, 429: 900, other: 0 });
    // Even the right password is refused to a stranger while the lock lasts…
    await login(t.app, victim.email, victim.password, '198.51.100.1').expect(429);
    // …but the owner's browser, which signed in before, gets in from a new address.
    await owner.set('X-Forwarded-For', '192.0.2.99').post('/api/session').send({ email: victim.email, password: victim.password }).expect(200);
    // Nobody else is affected.
    await login(t.app, bystander.email, bystander.password, '198.51.100.2').expect(200);
  }, 120_000);

  it('one IP against 1,000 accounts: limited after 30 a minute; other IPs are not', async () => {
    const t = await createTestApp({ trustProxy: 1, authRateLimitPerMinute: 30, loginThrottle: shipped });
    const legit = await t.createUser();
    const statuses: number[] = [];
    for (let i = 0; i < 1000; i++) statuses.push((await login(t.app, `user${i}@example.test`, 'Winter2026!', '203.0.113.66')).status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(30);
    expect(statuses.filter((s) => s === 429)).toHaveLength(970);
    const limited = await login(t.app, legit.email, legit.password, '203.0.113.66').expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await login(t.app, legit.email, legit.password, '198.51.100.3').expect(200);
  }, 120_000);
});
