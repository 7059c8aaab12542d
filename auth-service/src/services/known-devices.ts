import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import { hashToken } from './token-hash.js';

/** A known-device token a browser presented that belongs to the account it signs in to. */
export interface KnownDevice {
  token: string;
  /** What the store and the failure counter know it by. */
  tokenHash: string;
}

/** A token given to a browser for its cookie. */
export interface IssuedDevice {
  token: string;
  /** Absolute expiry in ms, for the cookie's Max-Age. */
  expiresAt: number;
  /** The browser's previous token for this account, which this one replaces (drop it from the cookie). */
  replaces: string | undefined;
}

/**
 * Known-device tokens (OWASP's "device cookies"): a random value a browser gets when it signs in to an account,
 * which lets it sign in while the account is locked to strangers (see LoginThrottle). Random, so nothing about
 * the account derives it; stored only as a SHA-256, so the database cannot hand one out.
 */
export interface KnownDevices {
  /** The token among `tokens` that is a live one of `userId`; looked up even without a user, to take as long. */
  recognise(userId: string | undefined, tokens: readonly string[]): Promise<KnownDevice | undefined>;
  /** A fresh token for this browser and account after a successful sign-in, replacing `previous`. */
  issue(userId: string, previous: KnownDevice | undefined): Promise<IssuedDevice>;
  /** Ends every token of the user (a password change). */
  endAll(userId: string): Promise<void>;
}

/** As long as the cookie lives: a year. */
const knownDeviceLifetimeMs = 365 * 24 * 60 * 60_000;
/** Tokens kept per account; sign-ins without cookies (scripts) would otherwise add one each for a year. */
const maxDevicesPerUser = 20;

export function createKnownDevices(store: Store, clock: Clock): KnownDevices {
  return {
    async recognise(userId, tokens) {
      const hashes = new Map(tokens.map((token) => [hashToken(token), token]));
      const rows = await store.knownDevices.findByTokenHashes([...hashes.keys()]);
      const now = clock();
      const row = rows.find((r) => r.user_id === userId && Number(r.expires_at) > now);
      const token = row && hashes.get(row.token_hash);
      return row && token ? { token, tokenHash: row.token_hash } : undefined;
    },

    async issue(userId, previous) {
      const now = clock();
      const token = randomBytes(32).toString('base64url');
      const expiresAt = now + knownDeviceLifetimeMs;
      if (previous) await store.knownDevices.delete(previous.tokenHash);
      await store.knownDevices.insert({ token_hash: hashToken(token), user_id: userId, created_at: now, expires_at: expiresAt });
      await store.knownDevices.deleteAllButNewest(userId, maxDevicesPerUser);
      return { token, expiresAt, replaces: previous?.token };
    },

    async endAll(userId) {
      await store.knownDevices.deleteAllForUser(userId);
    },
  };
}
