import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { redisReady } from './redis.js';
import type { SessionWithUser } from './sessions-repository.js';
import type { Store } from './store.js';

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
  const { redis, subscriber } = options;
  const maxAgeMs = options.maxAgeMs ?? 10_000;
  const local = createLocalCopies(options.localMax ?? 10_000);
  const bus = createInvalidationBus({ ...options, maxAgeMs, local });
  const shared = createSharedCopies(redis, bus.keys, maxAgeMs);
  const findByTokenHash = readThrough({ store, redis, subscriber, clock: options.clock, maxAgeMs, local, shared });
  const { invalidate } = bus;

  const sessions: Store['sessions'] = {
    ...store.sessions,
    findByTokenHash,
    async touch(session, lastSeenAt) {
      await store.sessions.touch(session, lastSeenAt);
      await invalidate('t', session.token_hash);
    },
    async renew(session, tokenHash, now, expiresAt, amr) {
      const renewed = await store.sessions.renew(session, tokenHash, now, expiresAt, amr);
      await invalidate('t', session.token_hash);
      return renewed;
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
    async delete(id) {
      const deleted = await store.users.delete(id);
      await invalidate('u', id);
      return deleted;
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

/** What an invalidation names: one session by its token hash (`t`), or every session of a user (`u`). */
type Invalidated = 't' | 'u';

/** The process layer: the hottest sessions, each kept only for the time Redis reported with it. */
interface LocalCopies {
  get(tokenHash: string, now: number): SessionWithUser | undefined;
  remember(tokenHash: string, value: SessionWithUser, expiresAt: number): void;
  forget(kind: Invalidated, id: string): void;
  clear(): void;
}

function createLocalCopies(max: number): LocalCopies {
  const copies = new Map<string, { value: SessionWithUser; expiresAt: number }>();
  return {
    get(tokenHash, now) {
      const hit = copies.get(tokenHash);
      return hit && hit.expiresAt > now ? hit.value : undefined;
    },
    remember(tokenHash, value, expiresAt) {
      if (copies.size >= max) copies.delete(copies.keys().next().value as string);
      copies.set(tokenHash, { value, expiresAt });
    },
    forget(kind, id) {
      if (kind === 't') copies.delete(id);
      else for (const [hash, e] of copies) if (e.value.user_id === id) copies.delete(hash);
    },
    clear: () => copies.clear(),
  };
}

/** The Redis keys of the current cache generation (a bump leaves every older key unread). */
interface CacheKeys {
  entry(tokenHash: string): string;
  /** The set of a user's cached token hashes. */
  user(userId: string): string;
  /**
   * Tombstones close the race where one instance reads a session from the database just before another deletes
   * it, then caches what it read after the delete: the populate script refuses while one exists. A copy read
   * longer ago than `maxAgeMs` is never stored, so a tombstone need not outlive that.
   */
  tomb(kind: Invalidated, id: string): string;
}

/**
 * How instances keep each other's copies honest: the cache generation (loaded on connect, bumped on every
 * reconnect after the first, so nothing cached across a possibly missed invalidation is read again), and the
 * invalidation channel every instance listens on to forget its process copies.
 */
function createInvalidationBus(options: { redis: Redis; subscriber: Redis; prefix: string; logger: Logger; maxAgeMs: number; local: LocalCopies }) {
  const { redis, subscriber, prefix, logger, maxAgeMs, local } = options;
  const channel = `${prefix}invalidate`;
  let generation = '0';
  const keys: CacheKeys = {
    entry: (tokenHash) => `${prefix}s:${generation}:${tokenHash}`,
    user: (userId) => `${prefix}u:${generation}:${userId}`,
    tomb: (kind, id) => `${prefix}x${kind}:${generation}:${id}`,
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
    else if (message.startsWith('t:')) local.forget('t', message.slice(2));
    else if (message.startsWith('u:')) local.forget('u', message.slice(2));
  });

  return {
    keys,
    /** Forgets the session (`t`) or the user's sessions (`u`) here, in Redis, and in every other instance. */
    async invalidate(kind: Invalidated, id: string): Promise<void> {
      local.forget(kind, id);
      try {
        await redis.set(keys.tomb(kind, id), '1', 'PX', maxAgeMs);
        if (kind === 't') {
          await redis.del(keys.entry(id));
        } else {
          const hashes = await redis.smembers(keys.user(id));
          await redis.del(keys.user(id), ...hashes.map(keys.entry));
        }
        await redis.publish(channel, `${kind}:${id}`);
      } catch {
        // Redis is away: the bump on reconnect drops whatever this invalidation could not reach.
      }
    },
  };
}

/** The shared layer: copies in Redis, indexed by user; both calls throw when Redis does not answer. */
interface SharedCopies {
  /** The copy and what Redis says is left of its time, or undefined. */
  read(tokenHash: string): Promise<{ value: SessionWithUser; ttlMs: number } | undefined>;
  /** Stores the copy for `ttlMs` unless a tombstone for it or its user stands; true when stored. */
  populate(tokenHash: string, value: SessionWithUser, ttlMs: number): Promise<boolean>;
}

function createSharedCopies(redis: Redis, keys: CacheKeys, maxAgeMs: number): SharedCopies {
  return {
    async read(tokenHash) {
      const cached = (await redis.eval(readScript, 1, keys.entry(tokenHash))) as [string, number] | null;
      if (!cached) return undefined;
      const [json, ttlMs] = cached;
      return { value: JSON.parse(json) as SessionWithUser, ttlMs };
    },
    async populate(tokenHash, value, ttlMs) {
      const stored = await redis.eval(
        populateScript,
        4,
        keys.entry(tokenHash),
        keys.user(value.user_id),
        keys.tomb('t', tokenHash),
        keys.tomb('u', value.user_id),
        JSON.stringify(value),
        ttlMs,
        tokenHash,
        2 * maxAgeMs,
      );
      return stored === 1;
    },
  };
}

/**
 * `findByTokenHash` through both layers: the process copy, then Redis, then the database (whose answer fills
 * both). With either connection down, straight to the database.
 */
function readThrough(options: {
  store: Store;
  redis: Redis;
  subscriber: Redis;
  clock: Clock;
  maxAgeMs: number;
  local: LocalCopies;
  shared: SharedCopies;
}): Store['sessions']['findByTokenHash'] {
  const { store, redis, subscriber, clock, maxAgeMs, local, shared } = options;
  return async (tokenHash) => {
    if (!redisReady(redis) || subscriber.status !== 'ready') return store.sessions.findByTokenHash(tokenHash);
    // `now` is read before the question leaves, so a copy expires here no later than it does where it came from.
    const now = clock();
    const hit = local.get(tokenHash, now);
    if (hit) return hit;
    try {
      const cached = await shared.read(tokenHash);
      if (cached) {
        if (cached.ttlMs > 0) local.remember(tokenHash, cached.value, now + Math.min(cached.ttlMs, maxAgeMs));
        return cached.value;
      }
    } catch {
      return store.sessions.findByTokenHash(tokenHash);
    }
    const found = await store.sessions.findByTokenHash(tokenHash);
    if (!found) return undefined;
    const value = { ...found, user: { ...found.user, password_hash: '' } };
    // The read began at `now`: what is left of the copy's `maxAgeMs` goes with it to Redis.
    const leftMs = Math.floor(maxAgeMs - (clock() - now));
    if (leftMs <= 0) return value;
    try {
      if (await shared.populate(tokenHash, value, leftMs)) local.remember(tokenHash, value, now + maxAgeMs);
    } catch {
      // Not cached this time; the database answered.
    }
    return value;
  };
}
