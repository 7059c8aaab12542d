import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createMemoryFailureCounter, type FailureCounter } from './failure-counter.js';

/**
 * A Redis connection that fails fast instead of queueing while Redis is away (the callers fall back to the
 * database), reconnects by itself, and logs each outage once. A command with no answer within a second fails
 * too: on a link that drops packets silently the connection stays open, and a sign-out must not hang on it.
 */
export function connectRedis(url: string, logger: Logger, name = 'redis'): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1000,
    retryStrategy: (attempt) => Math.min(2000, 50 * 2 ** attempt),
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) logger.warn({ err: { message: err.message }, name }, 'redis unavailable; answering from the database');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info({ name }, 'redis is back');
    down = false;
  });
  return redis;
}

/** True while the connection can take commands; otherwise callers go to their fallback at once. */
export const redisReady = (redis: Redis): boolean => redis.status === 'ready';

const decrementScript = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HINCRBY', KEYS[1], 'count', -1) end return 0`;

/** Login-failure counts shared by all instances; while Redis is away, each instance counts in memory. */
export function createRedisFailureCounter(redis: Redis, prefix: string): FailureCounter {
  const fallback = createMemoryFailureCounter();
  const key = (k: string) => `${prefix}f:${k}`;
  return {
    async get(k, now) {
      if (!redisReady(redis)) return fallback.get(k, now);
      try {
        const [count, lastAt] = await redis.hmget(key(k), 'count', 'lastAt');
        return count ? { count: Number(count), lastAt: Number(lastAt) } : undefined;
      } catch {
        return fallback.get(k, now);
      }
    },
    async increment(k, now, ttlMs) {
      if (!redisReady(redis)) return fallback.increment(k, now, ttlMs);
      try {
        const results = await redis.multi().hincrby(key(k), 'count', 1).hset(key(k), 'lastAt', now).pexpire(key(k), ttlMs).exec();
        return Number(results?.[0]?.[1] ?? 1);
      } catch {
        return fallback.increment(k, now, ttlMs);
      }
    },
    async decrement(k, now) {
      await fallback.decrement(k, now);
      // Only an existing count: HINCRBY on a key that has just expired would leave a -1 that never expires.
      if (redisReady(redis)) await redis.eval(decrementScript, 1, key(k)).catch(() => undefined);
    },
    async reset(k) {
      await fallback.reset(k);
      if (redisReady(redis)) await redis.del(key(k)).catch(() => undefined);
    },
  };
}
