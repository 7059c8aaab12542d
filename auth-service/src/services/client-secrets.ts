import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { Clock } from '../clock.js';
import { hashToken } from './token-hash.js';

/**
 * What the store keeps of a client secret: its SHA-256 (base64url). A secret is 256 random bits, so a fast hash
 * is enough: nobody can guess it to test against a leaked hash, unlike a password.
 */
export const hashClientSecret = hashToken;

/** The shape of a stored hash, as the app registry file may give one (43 base64url characters). */
export const clientSecretHashPattern = /^[A-Za-z0-9_-]{43}$/;

/** A new client secret: 32 random bytes, base64url. */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Confidential clients' secrets: issued once in clear, kept as hashes, rotated with a grace period. */
export interface ClientSecrets {
  /**
   * A new secret for the client, returned in clear this once. The previous one keeps working for the grace
   * period (`OIDC_CLIENT_SECRET_GRACE_HOURS`), so the app can be redeployed with the new one meanwhile.
   */
  rotate(clientId: string): Promise<string>;
  /**
   * Makes the secret with this hash the client's current one, as rotation does, unless it already works (the
   * registry file gives the hash at every start).
   */
  adopt(clientId: string, secretHash: string): Promise<void>;
  /** Whether `secret` is one of the client's secrets that work now, compared in constant time. */
  verify(clientId: string, secret: string): Promise<boolean>;
}

export function createClientSecrets(store: Store, policy: { clientSecretGraceMs: number }, clock: Clock): ClientSecrets {
  async function install(clientId: string, secretHash: string): Promise<void> {
    const now = clock();
    await store.clientSecrets.replace(clientId, secretHash, now, now + policy.clientSecretGraceMs);
  }
  return {
    async rotate(clientId) {
      const secret = generateClientSecret();
      await install(clientId, hashClientSecret(secret));
      return secret;
    },
    async adopt(clientId, secretHash) {
      const valid = await store.clientSecrets.listValid(clientId, clock());
      if (valid.some((s) => s.secretHash === secretHash)) return;
      await install(clientId, secretHash);
    },
    async verify(clientId, secret) {
      const presented = Buffer.from(hashClientSecret(secret));
      const valid = await store.clientSecrets.listValid(clientId, clock());
      let match = false;
      // Every stored hash is compared, so the time taken does not tell which one matched.
      for (const { secretHash } of valid) {
        const stored = Buffer.from(secretHash);
        if (stored.length === presented.length && timingSafeEqual(stored, presented)) match = true;
      }
      return match;
    },
  };
}
