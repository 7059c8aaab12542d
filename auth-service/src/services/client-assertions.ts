import { createLocalJWKSet, jwtVerify } from 'jose';
import type { AppRecord } from '../store/apps-repository.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../clock.js';

/** The `client_assertion_type` of `private_key_jwt` (RFC 7523 §2.2). */
export const clientAssertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** The algorithms a client may sign its assertion with: asymmetric only, so no secret is shared. */
export const clientAssertionAlgs = ['ES256', 'RS256', 'PS256', 'EdDSA'] as const;
/** An assertion may live at most this long: its `jti` is kept that long to refuse a replay. */
const maxLifetimeMs = 10 * 60_000;
/** Clock skew allowed to clients. */
const skewSeconds = 30;

/** `private_key_jwt` (RFC 7523, OpenID Connect Core §9): a client proves itself with a JWT signed by its key. */
export interface ClientAssertions {
  /**
   * Whether `assertion` is a valid, unused assertion of `client`: signed by one of its registered keys with an
   * asymmetric algorithm, `iss` and `sub` its client id, `aud` this issuer or the endpoint, not expired and at
   * most 10 minutes long, with a `jti` not seen before (which is then remembered until it expires).
   */
  verify(client: AppRecord, assertion: string): Promise<boolean>;
}

export function createClientAssertions(deps: { issuer: string; store: Store; clock: Clock }): ClientAssertions {
  const { issuer, store, clock } = deps;
  const audiences = [issuer, `${issuer}/token`, `${issuer}/revoke`];
  return {
    async verify(client, assertion) {
      if (!client.confidential || client.jwks === null) return false;
      const now = clock();
      let payload;
      try {
        ({ payload } = await jwtVerify(assertion, createLocalJWKSet(client.jwks), {
          issuer: client.id,
          subject: client.id,
          audience: audiences,
          algorithms: [...clientAssertionAlgs],
          requiredClaims: ['exp', 'jti'],
          currentDate: new Date(now),
          clockTolerance: skewSeconds,
        }));
      } catch {
        return false;
      }
      const expiresAt = (payload.exp as number) * 1000;
      const jti = payload.jti;
      if (typeof jti !== 'string' || jti.length === 0 || jti.length > 200) return false;
      if (expiresAt - now > maxLifetimeMs) return false;
      return store.clientAssertions.use(client.id, jti, Math.max(expiresAt, now) + skewSeconds * 1000, now);
    },
  };
}
