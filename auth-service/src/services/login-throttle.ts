import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { emailKey } from '../store/users-repository.js';

/** Counts failures per key with a time-to-live. In memory for one instance; Redis-backed for several. */
export interface FailureCounter {
  get(key: string, now: number): Promise<{ count: number; lastAt: number } | undefined>;
  increment(key: string, now: number, ttlMs: number): Promise<number>;
  reset(key: string): Promise<void>;
}

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
    async reset(key) {
      entries.delete(key);
    },
  };
}

export interface ThrottlePolicy {
  /** Failures for one account from one IP before delays start. */
  freeAttempts: number;
  /** Upper bound on the growing delay. */
  maxDelayMs: number;
  /** Failures for one account from all IPs before it locks for browsers it has not seen sign in. */
  accountLockThreshold: number;
  accountLockMs: number;
}

export const defaultThrottlePolicy: ThrottlePolicy = {
  freeAttempts: 5,
  maxDelayMs: 15 * 60_000,
  accountLockThreshold: 100,
  accountLockMs: 15 * 60_000,
};

/**
 * Slows password guessing per account without letting an attacker lock the owner out:
 * - per account and IP, after `freeAttempts` failures each further try must wait 1 s, 2 s, 4 s … (capped);
 * - per account over all IPs, past `accountLockThreshold` the account locks for browsers that do not carry a
 *   known-device token from an earlier successful sign-in to it (OWASP's "device cookie"), so the owner's own
 *   browsers still get in while a botnet is shut out.
 * Unknown emails are counted the same way, so the answer never tells whether an account exists.
 */
export function createLoginThrottle(options: {
  counter: FailureCounter;
  secretKey: Buffer;
  policy?: ThrottlePolicy;
  clock: Clock;
}) {
  const { counter, secretKey, policy = defaultThrottlePolicy, clock } = options;
  // Keyed on the account's identity, so every casing of an address is one account here as in the store.
  const pairKey = (email: string, ip: string) => `login:pair:${emailKey(email)}|${ip}`;
  const accountKey = (email: string) => `login:account:${emailKey(email)}`;
  const deviceMac = (email: string) =>
    createHmac('sha256', secretKey).update(`device:${emailKey(email)}`).digest('base64url').slice(0, 22);

  const tooMany = (retryAfterMs: number) =>
    new AppError('TOO_MANY_ATTEMPTS', undefined, { headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } });

  return {
    /** Throws 429 TOO_MANY_ATTEMPTS (with Retry-After) when this attempt must wait. */
    async check(email: string, ip: string, deviceTokens: readonly string[]): Promise<void> {
      const now = clock();
      const pair = await counter.get(pairKey(email, ip), now);
      if (pair && pair.count >= policy.freeAttempts) {
        const delay = Math.min(policy.maxDelayMs, 1000 * 2 ** (pair.count - policy.freeAttempts));
        const waitMs = pair.lastAt + delay - now;
        if (waitMs > 0) throw tooMany(waitMs);
      }
      const account = await counter.get(accountKey(email), now);
      if (account && account.count >= policy.accountLockThreshold && !this.isKnownDevice(email, deviceTokens)) {
        const waitMs = account.lastAt + policy.accountLockMs - now;
        if (waitMs > 0) throw tooMany(waitMs);
      }
    },
    async recordFailure(email: string, ip: string): Promise<void> {
      const now = clock();
      await counter.increment(pairKey(email, ip), now, policy.maxDelayMs * 2);
      await counter.increment(accountKey(email), now, policy.accountLockMs);
    },
    async recordSuccess(email: string, ip: string): Promise<void> {
      await counter.reset(pairKey(email, ip));
    },
    /** The token a browser keeps after signing in to this account (see `isKnownDevice`). */
    deviceToken: (email: string): string => deviceMac(email),
    isKnownDevice(email: string, tokens: readonly string[]): boolean {
      const expected = Buffer.from(deviceMac(email));
      return tokens.some((t) => {
        const given = Buffer.from(t);
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
