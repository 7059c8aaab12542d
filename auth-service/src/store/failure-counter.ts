/** Counts failures per key with a time-to-live. In memory for one instance; Redis-backed for several. */
export interface FailureCounter {
  get(key: string, now: number): Promise<{ count: number; lastAt: number } | undefined>;
  increment(key: string, now: number, ttlMs: number): Promise<number>;
  /** Takes back one count (a check counted before it ran that turned out right); keeps the time and expiry. */
  decrement(key: string, now: number): Promise<void>;
  reset(key: string): Promise<void>;
}

/** One process's counts, at most `maxKeys` of them (the oldest go first). */
export function createMemoryFailureCounter(maxKeys = 100_000): FailureCounter {
  const entries = new Map<string, { count: number; lastAt: number; expiresAt: number }>();
  return {
    async get(key, now) {
      const e = entries.get(key);
      if (!e || e.expiresAt <= now) return undefined;
      return { count: e.count, lastAt: e.lastAt };
    },
    async increment(key, now, ttlMs) {
      const e = entries.get(key);
      const count = e && e.expiresAt > now ? e.count + 1 : 1;
      entries.delete(key);
      // Oldest first out when full, so a flood of distinct keys cannot grow memory without bound.
      if (entries.size >= maxKeys) entries.delete(entries.keys().next().value as string);
      entries.set(key, { count, lastAt: now, expiresAt: now + ttlMs });
      return count;
    },
    async decrement(key, now) {
      const e = entries.get(key);
      if (e && e.expiresAt > now) e.count = Math.max(0, e.count - 1);
    },
    async reset(key) {
      entries.delete(key);
    },
  };
}
