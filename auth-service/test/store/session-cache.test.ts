import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/store/redis.js';
import { withSessionCache } from '../../src/store/redis-session-cache.js';
import { openStore, type Store } from '../../src/store/store.js';

const redisUrl = process.env['USERBOX_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });
// Redis keeps the real time, so the instances must too: this test waits for a few hundred milliseconds.
const clock = () => Date.now();

describe.skipIf(redisUrl === 'skip')('Redis session cache', () => {
  const closing: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closing) await close();
  });

  async function instance(base: Store, prefix: string, maxAgeMs: number) {
    const redis = connectRedis(redisUrl, logger);
    const subscriber = connectRedis(redisUrl, logger, 'redis-subscriber');
    await Promise.all([once(redis, 'ready'), once(subscriber, 'ready')]);
    const cached = withSessionCache(base, { redis, subscriber, prefix, logger, clock, maxAgeMs });
    closing.push(async () => {
      redis.disconnect();
      subscriber.disconnect();
    });
    return { store: cached, redis };
  }

  it('serves no copy, from Redis or a process, longer than maxAgeMs after it was read from the database', async () => {
    const base = await openStore(':memory:');
    closing.push(() => base.close());
    await base.users.insert({ id: 'u1', email: 'a@example.test', name: 'A', picture: null, password_hash: 'h', created_at: 1, email_verified_at: null });
    await base.sessions.insert({ id: 's1', token_hash: 'th1', user_id: 'u1', created_at: 1, last_seen_at: 1, expires_at: 9e12, user_agent: '', ip: '', time_zone: null });
    const prefix = `userbox_cache_${randomBytes(5).toString('hex')}:`;
    const maxAgeMs = 400;
    const x = await instance(base, prefix, maxAgeMs);
    const y = await instance(base, prefix, maxAgeMs);

    const readFrom = clock();
    expect(await x.store.sessions.findByTokenHash('th1')).toBeDefined(); // read from the database, put in Redis
    const [key] = await x.redis.keys(`${prefix}s:*`);
    expect(Number(await x.redis.pttl(key!))).toBeLessThanOrEqual(maxAgeMs);
    await new Promise((r) => setTimeout(r, maxAgeMs / 2));
    expect(await y.store.sessions.findByTokenHash('th1')).toBeDefined(); // from Redis, half its time gone

    // Signed out where nobody heard of it: only the copies' age can end them.
    await base.sessions.deleteByTokenHash('th1');
    for (;;) {
      const sentAt = clock();
      const [seenByX, seenByY] = await Promise.all([x.store.sessions.findByTokenHash('th1'), y.store.sessions.findByTokenHash('th1')]);
      if (!seenByX && !seenByY) break;
      expect(sentAt - readFrom, 'a copy outlived maxAgeMs').toBeLessThan(maxAgeMs);
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});
