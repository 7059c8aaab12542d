import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryFailureCounter, type FailureCounter } from '../../src/store/failure-counter.js';
import { connectRedis, createRedisFailureCounter } from '../../src/store/redis.js';

// The sign-in throttle's counter contract, in memory (one instance) and in the Redis of this machine (several).
const redisUrl = process.env['USERBOX_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `userbox_counter_${randomBytes(6).toString('hex')}:`;
let redis: Redis | undefined;

beforeAll(async () => {
  if (redisUrl === 'skip') return;
  redis = connectRedis(redisUrl, pino({ level: 'silent' }));
  await new Promise<void>((resolve, reject) => {
    redis!.once('ready', () => resolve());
    redis!.once('error', reject);
  });
});
afterAll(async () => {
  if (!redis) return;
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const counters: Array<[string, () => FailureCounter]> = [
  ['memory', () => createMemoryFailureCounter()],
  ...(redisUrl === 'skip' ? [] : ([['Redis', () => createRedisFailureCounter(redis!, prefix)]] as Array<[string, () => FailureCounter]>)),
];

describe.each(counters)('failure counter in %s', (_name, make) => {
  const t0 = Date.now();
  const key = () => `k${randomBytes(4).toString('hex')}`;

  it('counts, remembers the last time, takes one back without moving the time, and resets', async () => {
    const counter = make();
    const k = key();
    expect(await counter.get(k, t0)).toBeUndefined();
    expect(await counter.increment(k, t0, 60_000)).toBe(1);
    expect(await counter.increment(k, t0 + 5, 60_000)).toBe(2);
    expect(await counter.get(k, t0 + 6)).toEqual({ count: 2, lastAt: t0 + 5 });
    await counter.decrement(k, t0 + 7);
    expect(await counter.get(k, t0 + 8)).toEqual({ count: 1, lastAt: t0 + 5 });
    await counter.reset(k);
    expect(await counter.get(k, t0 + 9)).toBeUndefined();
  });

  it('taking back a count that is not there leaves nothing behind', async () => {
    const counter = make();
    const k = key();
    await counter.decrement(k, t0);
    expect(await counter.get(k, t0)).toBeUndefined();
    expect(await counter.increment(k, t0, 60_000)).toBe(1);
  });

  it('gives increments made at once distinct counts', async () => {
    const counter = make();
    const k = key();
    const counts = await Promise.all(Array.from({ length: 20 }, () => counter.increment(k, t0, 60_000)));
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
