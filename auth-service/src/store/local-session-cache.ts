import type { Clock } from '../clock.js';
import type { SessionWithUser } from './sessions-repository.js';
import type { Store } from './store.js';

/**
 * For one instance (no Redis): keeps recently seen sessions in this process for `ttlMs`, so /api/me can skip the
 * database. Every change that can end or alter a session goes through this wrapper and drops the copies at
 * once. A lookup that raced a change (read before it, finished after) is not kept. Several instances on one
 * SQLite file would not see each other's changes: run those on PostgreSQL and Redis (store/redis.ts).
 */
export function withLocalSessionCache(store: Store, options: { clock: Clock; ttlMs?: number; max?: number }): Store {
  const ttlMs = options.ttlMs ?? 10_000;
  const max = options.max ?? 10_000;
  const { clock } = options;
  const cache = new Map<string, { value: SessionWithUser; expiresAt: number }>();
  let changes = 0;

  const forgetUser = (userId: string) => {
    changes += 1;
    for (const [hash, entry] of cache) if (entry.value.user_id === userId) cache.delete(hash);
  };
  const forgetToken = (tokenHash: string) => {
    changes += 1;
    cache.delete(tokenHash);
  };

  return {
    ...store,
    sessions: {
      ...store.sessions,
      async findByTokenHash(tokenHash) {
        const now = clock();
        const hit = cache.get(tokenHash);
        if (hit && hit.expiresAt > now) return hit.value;
        const before = changes;
        const found = await store.sessions.findByTokenHash(tokenHash);
        if (found && changes === before) {
          if (cache.size >= max) cache.delete(cache.keys().next().value as string);
          cache.set(tokenHash, { value: found, expiresAt: now + ttlMs });
        }
        return found;
      },
      async touch(session, lastSeenAt) {
        await store.sessions.touch(session, lastSeenAt);
        forgetToken(session.token_hash);
      },
      async replaceToken(id, tokenHash) {
        const replaced = await store.sessions.replaceToken(id, tokenHash);
        // The old hash is not known here; the session's entry is found by its id.
        changes += 1;
        for (const [hash, entry] of cache) if (entry.value.id === id) cache.delete(hash);
        return replaced;
      },
      async renew(session, tokenHash, now, expiresAt, amr) {
        const renewed = await store.sessions.renew(session, tokenHash, now, expiresAt, amr);
        forgetToken(session.token_hash);
        return renewed;
      },
      async deleteByTokenHash(tokenHash) {
        await store.sessions.deleteByTokenHash(tokenHash);
        forgetToken(tokenHash);
      },
      async deleteForUser(userId, id) {
        const deleted = await store.sessions.deleteForUser(userId, id);
        forgetUser(userId);
        return deleted;
      },
      async deleteAllForUser(userId, keepId) {
        const count = await store.sessions.deleteAllForUser(userId, keepId);
        forgetUser(userId);
        return count;
      },
      async deleteExpired(now, seenBefore) {
        const count = await store.sessions.deleteExpired(now, seenBefore);
        changes += 1;
        cache.clear();
        return count;
      },
    },
    users: {
      ...store.users,
      async update(id, changes) {
        await store.users.update(id, changes);
        forgetUser(id);
      },
      async delete(id) {
        const deleted = await store.users.delete(id);
        forgetUser(id);
        return deleted;
      },
    },
  };
}
