import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { FailureCounter } from '../store/failure-counter.js';
import { clientNetwork } from './login-throttle.js';

/** How many link mails (verification, reset) one address and one client IP may cause per hour. */
export interface MailLimitPolicy {
  perAddressPerHour: number;
  perIpPerHour: number;
}

/**
 * Counts the link mails the service is asked for, per address and per client IP, in the same counter store as
 * the sign-in throttle (memory, or Redis for several instances), on the injected clock.
 */
export interface MailLimits {
  /**
   * Counts one mail for `addressKey` (an email key) and `ip`; 429 TOO_MANY_ATTEMPTS when either is over its limit.
   * The count does not depend on whether the address has an account, so the refusal tells nothing about that.
   */
  count(addressKey: string, ip: string): Promise<void>;
}

const hourMs = 60 * 60_000;

export function createMailLimits(counter: FailureCounter, policy: MailLimitPolicy, clock: Clock): MailLimits {
  return {
    async count(addressKey, ip) {
      const now = clock();
      const byAddress = await counter.increment(`mail:a:${addressKey}`, now, hourMs);
      // A client is an IPv4 address or an IPv6 /64, as for the sign-in throttle: one party holds a whole /64.
      const byIp = await counter.increment(`mail:ip:${clientNetwork(ip)}`, now, hourMs);
      if (byAddress > policy.perAddressPerHour || byIp > policy.perIpPerHour) {
        throw new AppError('TOO_MANY_ATTEMPTS', 'Too many mails were asked for. Try again in an hour.', { headers: { 'Retry-After': '3600' } });
      }
    },
  };
}
