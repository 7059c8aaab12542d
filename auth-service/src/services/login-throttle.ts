import { isIPv6 } from 'node:net';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { FailureCounter } from '../store/failure-counter.js';
import { emailKey } from '../store/users-repository.js';

/** The throttle's limits; config.ts reads them (LOGIN_*) and holds their defaults. */
export interface ThrottlePolicy {
  /** Failures for one account from one client (IPv4 address, IPv6 /64) before delays start. */
  freeAttempts: number;
  /** Upper bound on the growing delay. */
  maxDelayMs: number;
  /** Failures for one account from all IPs (strangers') before it locks for browsers it has not seen sign in. */
  accountLockThreshold: number;
  /** How long a lock lasts, the account's for strangers and a known device's. */
  accountLockMs: number;
  /** Failures with one known-device token before it stops counting as known (and its holder is a stranger). */
  deviceLockThreshold: number;
}

/**
 * The part of a client address one party holds: an IPv4 address whole, an IPv6 address by its /64 (the least a
 * provider hands one customer, so an attacker has all 2^64 addresses in it), an IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.1`, as a dual-stack socket reports IPv4 clients) as the IPv4 address it maps.
 */
export function clientNetwork(ip: string): string {
  const address = ip.replace(/%.*$/, '');
  if (!isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail as two groups). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a = 0, b = 0, c = 0, d = 0] = v4.slice(1).map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const before = head ? head.split(':') : [];
  const after = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - before.length - after.length).fill('0');
  return [...before, ...zeros, ...after].map((g) => parseInt(g, 16));
}

/** One password check the throttle let through; it has already been counted as a failure. */
export interface LoginAttempt {
  /** The password was right: clears the failures of this account from this client (and of its device). */
  succeeded(): Promise<void>;
}

/**
 * Slows password guessing per account without letting an attacker lock the owner out (OWASP's "device cookies"):
 * - per account and client (IPv4 address, IPv6 /64), after `freeAttempts` failures each further try must wait
 *   1 s, 2 s, 4 s … (capped);
 * - a browser that presents a known-device token for the account (see KnownDevices) has its failures counted
 *   against that token: past `deviceLockThreshold` the token no longer counts as known for `accountLockMs`, so a
 *   stolen or guessed one buys only a few guesses;
 * - everyone else's failures are counted per account over all clients: past `accountLockThreshold` the account
 *   locks for `accountLockMs` to browsers without a known-device token, while the owner's still get in.
 * Every check is counted before the password is verified, and only then decided on, so requests sent at once
 * cannot all pass a check that reads the count before any of them has added to it. Unknown emails are counted
 * the same way, so the answer never tells whether an account exists.
 */
export interface LoginThrottle {
  /**
   * Counts a password check for `email` from `ip` before it runs, or throws 429 TOO_MANY_ATTEMPTS (with
   * Retry-After) when it must wait. `knownDevice` is the hash of the known-device token the browser presented for
   * this account, if any. Call `succeeded` on the answer when the password was right.
   */
  begin(email: string, ip: string, knownDevice: string | undefined): Promise<LoginAttempt>;
}

export function createLoginThrottle(options: { counter: FailureCounter; policy: ThrottlePolicy; clock: Clock }): LoginThrottle {
  const { counter, policy, clock } = options;
  // Keyed on the account's identity, so every casing of an address is one account here as in the store.
  const pairKey = (email: string, ip: string) => `login:pair:${emailKey(email)}|${clientNetwork(ip)}`;
  const accountKey = (email: string) => `login:account:${emailKey(email)}`;
  const deviceKey = (tokenHash: string) => `login:device:${tokenHash}`;

  const tooMany = (retryAfterMs: number) =>
    new AppError('TOO_MANY_ATTEMPTS', undefined, { headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } });
  const pairDelay = (failures: number) =>
    failures < policy.freeAttempts ? 0 : Math.min(policy.maxDelayMs, 1000 * 2 ** (failures - policy.freeAttempts));
  const accountDelay = (failures: number) => (failures < policy.accountLockThreshold ? 0 : policy.accountLockMs);
  const deviceDelay = (failures: number) => (failures < policy.deviceLockThreshold ? 0 : policy.accountLockMs);

  /**
   * Lets one more check through on `key` (answers 0), or answers how long it must wait. A key with `n` failures
   * admits the next check once `delay(n)` has passed since the last. The check counts itself first and is
   * admitted only if its own count is the one it was decided on: a request that raced another for the same slot
   * is refused (and stays counted).
   */
  async function admit(key: string, delay: (failures: number) => number, ttlMs: number): Promise<number> {
    const now = clock();
    const before = await counter.get(key, now);
    const failures = before?.count ?? 0;
    const waitMs = before ? before.lastAt + delay(failures) - now : 0;
    if (waitMs > 0) return waitMs;
    const counted = await counter.increment(key, now, ttlMs);
    return counted !== failures + 1 ? delay(counted - 1) : 0;
  }

  return {
    async begin(email, ip, knownDevice) {
      const pairWait = await admit(pairKey(email, ip), pairDelay, policy.maxDelayMs * 2);
      if (pairWait > 0) throw tooMany(pairWait);
      // A known device that has used up its guesses is a stranger until its lock ends.
      const device =
        knownDevice !== undefined && (await admit(deviceKey(knownDevice), deviceDelay, policy.accountLockMs)) === 0 ? knownDevice : undefined;
      if (device === undefined) {
        const accountWait = await admit(accountKey(email), accountDelay, policy.accountLockMs);
        if (accountWait > 0) throw tooMany(accountWait);
      }
      return {
        async succeeded() {
          await counter.reset(pairKey(email, ip));
          if (device !== undefined) await counter.reset(deviceKey(device));
          // The account lock counts failures only; this check was counted before anyone knew it would succeed.
          else await counter.decrement(accountKey(email), clock());
        },
      };
    },
  };
}
