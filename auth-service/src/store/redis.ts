import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { createMemoryFailureCounter, type FailureCounter } from './failure-counter.js';
import type { SessionWithUser } from './sessions-repository.js';
import type { Store } from './store.js';

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

const usable = (redis: Redis) => redis.status === 'ready';

// KEYS: entry. The value and how long it has left, in one step.
const readScript = `
local value = redis.call('GET', KEYS[1])
if not value then return false end
return {value, redis.call('PTTL', KEYS[1])}`;

// KEYS: entry, user index, token tombstone, user tombstone. ARGV: value, ttl ms, token hash, index ttl ms
// (longer than any entry's, so a user's invalidation finds them all).
const populateScript = `
if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1`;

/**
 * Puts a read-through session cache in front of the store, for several instances on one database:
 * - in Redis (shared), and in each process for the hottest sessions;
 * - every change that can end or alter a session (sign-out, revoke, password or profile change, touch)
 *   deletes the Redis copy and publishes an invalidation, so every instance forgets it at once;
 * - while Redis is away, both caches are bypassed (the database answers); when any connection comes back,
 *   the cache generation is bumped, so nothing cached before an invalidation that may have been missed
 *   is ever served;
 * - an invalidation can also be lost without any instance seeing Redis go away: the instance that made the
 *   change may be the only one cut off from it. So no copy is served once `maxAgeMs` (10 s) have passed since
 *   it was read from the database, whichever layer holds it: the reader gives the Redis copy what is left of
 *   that time as its TTL, and a process keeps a copy only for the TTL Redis reports with it. Each step measures
 *   elapsed time on one clock (the reader's, then Redis's, then the process's), never one instance's timestamp
 *   against another's, so clock skew between machines cannot stretch the bound.
 * The cached copy never holds the password hash.
 */
export function withSessionCache(
  store: Store,
  options: { redis: Redis; subscriber: Redis; prefix: string; logger: Logger; clock: Clock; maxAgeMs?: number; localMax?: number },
): Store {
  const { redis, subscriber, prefix, logger, clock } = options;
  const maxAgeMs = options.maxAgeMs ?? 10_000;
  const localMax = options.localMax ?? 10_000;
  const channel = `${prefix}invalidate`;
  const local = new Map<string, { value: SessionWithUser; expiresAt: number }>();
  let generation = '0';

  const entryKey = (tokenHash: string) => `${prefix}s:${generation}:${tokenHash}`;
  const userKey = (userId: string) => `${prefix}u:${generation}:${userId}`;
  // Tombstones close the race where one instance reads a session from the database just before another
  // deletes it, then caches what it read after the delete: the populate script refuses while one exists.
  // A copy read longer ago than `maxAgeMs` is never stored, so a tombstone need not outlive that.
  const tombKey = (kind: 't' | 'u', id: string) => `${prefix}x${kind}:${generation}:${id}`;
  const forgetLocalUser = (userId: string) => {
    for (const [hash, e] of local) if (e.value.user_id === userId) local.delete(hash);
  };

  async function loadGeneration(bump: boolean): Promise<void> {
    local.clear();
    try {
      generation = String(bump ? await redis.incr(`${prefix}g`) : ((await redis.get(`${prefix}g`)) ?? '0'));
      if (bump) await redis.publish(channel, 'g');
    } catch (err) {
      logger.warn({ err: { message: (err as Error).message } }, 'session cache generation not loaded');
    }
  }

  let connectedBefore = false;
  redis.on('ready', () => {
    void loadGeneration(connectedBefore);
    connectedBefore = true;
  });
  redis.on('close', () => local.clear());
  subscriber.on('ready', () => {
    local.clear();
    subscriber.subscribe(channel).catch(() => undefined);
  });
  subscriber.on('message', (_channel: string, message: string) => {
    if (message === 'g') void loadGeneration(false);
    else if (message.startsWith('t:')) local.delete(message.slice(2));
    else if (message.startsWith('u:')) forgetLocalUser(message.slice(2));
  });

  async function invalidate(kind: 't' | 'u', id: string): Promise<void> {
    if (kind === 't') local.delete(id);
    else forgetLocalUser(id);
    try {
      await redis.set(tombKey(kind, id), '1', 'PX', maxAgeMs);
      if (kind === 't') {
        await redis.del(entryKey(id));
      } else {
        const hashes = await redis.smembers(userKey(id));
        await redis.del(userKey(id), ...hashes.map(entryKey));
      }
      await redis.publish(channel, `${kind}:${id}`);
    } catch {
      // Redis is away: the bump on reconnect drops whatever this invalidation could not reach.
    }
  }

  const sessions: Store['sessions'] = {
    ...store.sessions,
    async findByTokenHash(tokenHash) {
      if (!usable(redis) || subscriber.status !== 'ready') return store.sessions.findByTokenHash(tokenHash);
      const now = clock();
      const hit = local.get(tokenHash);
      if (hit && hit.expiresAt > now) return hit.value;
      // `now` was read before the question left, so the copy expires here no later than it does where it came from.
      const remember = (value: SessionWithUser, expiresAt: number) => {
        if (local.size >= localMax) local.delete(local.keys().next().value as string);
        local.set(tokenHash, { value, expiresAt });
      };
      try {
        const cached = (await redis.eval(readScript, 1, entryKey(tokenHash))) as [string, number] | null;
        if (cached) {
          const [json, ttlMs] = cached;
          const value = JSON.parse(json) as SessionWithUser;
          if (ttlMs > 0) remember(value, now + Math.min(ttlMs, maxAgeMs));
          return value;
        }
      } catch {
        return store.sessions.findByTokenHash(tokenHash);
      }
      const found = await store.sessions.findByTokenHash(tokenHash);
      if (found) {
        const value = { ...found, user: { ...found.user, password_hash: '' } };
        // The read began at `now`: what is left of the copy's `maxAgeMs` goes with it to Redis.
        const leftMs = Math.floor(maxAgeMs - (clock() - now));
        if (leftMs <= 0) return value;
        try {
          const stored = await redis.eval(
            populateScript,
            4,
            entryKey(tokenHash),
            userKey(found.user_id),
            tombKey('t', tokenHash),
            tombKey('u', found.user_id),
            JSON.stringify(value),
            leftMs,
            tokenHash,
            2 * maxAgeMs,
          );
          if (stored === 1) remember(value, now + maxAgeMs);
        } catch {
          // Not cached this time; the database answered.
        }
        return value;
      }
      return undefined;
    },
    async touch(session, lastSeenAt) {
      await store.sessions.touch(session, lastSeenAt);
      await invalidate('t', session.token_hash);
    },
    async deleteByTokenHash(tokenHash) {
      await store.sessions.deleteByTokenHash(tokenHash);
      await invalidate('t', tokenHash);
    },
    async deleteForUser(userId, id) {
      const deleted = await store.sessions.deleteForUser(userId, id);
      await invalidate('u', userId);
      return deleted;
    },
    async deleteAllForUser(userId, keepId) {
      const count = await store.sessions.deleteAllForUser(userId, keepId);
      await invalidate('u', userId);
      return count;
    },
  };

  const users: Store['users'] = {
    ...store.users,
    async update(id, changes) {
      await store.users.update(id, changes);
      await invalidate('u', id);
    },
  };

  return {
    ...store,
    sessions,
    users,
    async close() {
      redis.disconnect();
      subscriber.disconnect();
      await store.close();
    },
  };
}

const decrementScript = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HINCRBY', KEYS[1], 'count', -1) end return 0`;

/** Login-failure counts shared by all instances; while Redis is away, each instance counts in memory. */
export function createRedisFailureCounter(redis: Redis, prefix: string): FailureCounter {
  const fallback = createMemoryFailureCounter();
  const key = (k: string) => `${prefix}f:${k}`;
  return {
    async get(k, now) {
      if (!usable(redis)) return fallback.get(k, now);
      try {
        const [count, lastAt] = await redis.hmget(key(k), 'count', 'lastAt');
        return count ? { count: Number(count), lastAt: Number(lastAt) } : undefined;
      } catch {
        return fallback.get(k, now);
      }
    },
    async increment(k, now, ttlMs) {
      if (!usable(redis)) return fallback.increment(k, now, ttlMs);
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
      if (usable(redis)) await redis.eval(decrementScript, 1, key(k)).catch(() => undefined);
    },
    async reset(k) {
      await fallback.reset(k);
      if (usable(redis)) await redis.del(key(k)).catch(() => undefined);
    },
  };
}
