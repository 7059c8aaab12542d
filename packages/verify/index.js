// Verifies Userbox access tokens in a host app's back end, with jose alone. The types and their documentation are
// in index.d.ts; `npm run typecheck` checks this file against them.
import { createRemoteJWKSet, jwtVerify } from 'jose';

/** @import { AccessTokenVerifier, AccessTokenVerifierOptions, UserboxAccessToken } from './index.js' */

/** @param {string | undefined} header @returns {string | undefined} */
export function bearerToken(header) {
  const match = header === undefined ? null : /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
  return match?.[1];
}

/** @param {AccessTokenVerifierOptions} options @returns {AccessTokenVerifier} */
export function createAccessTokenVerifier(options) {
  const { issuer, audience, clockTolerance = 5, cacheSize = 10_000 } = options;
  const keys = options.keys ?? createRemoteJWKSet(new URL(options.jwksUri ?? `${issuer.replace(/\/$/, '')}/jwks.json`));
  /** @type {Map<string, UserboxAccessToken>} */
  const verified = new Map();

  return {
    async verify(token) {
      const cached = verified.get(token);
      if (cached && cached.exp + clockTolerance > Date.now() / 1000) return cached;
      if (cached) verified.delete(token);
      const { payload } = await jwtVerify(token, keys, {
        issuer,
        audience,
        typ: 'at+jwt',
        // The service signs with ES256 alone; a token in any other algorithm is not its own.
        algorithms: ['ES256'],
        clockTolerance,
        requiredClaims: ['sub', 'exp', 'client_id', 'sid'],
      });
      const claims = /** @type {UserboxAccessToken} */ (payload);
      if (cacheSize > 0) {
        // Oldest first out: Map keeps insertion order.
        if (verified.size >= cacheSize) verified.delete(/** @type {string} */ (verified.keys().next().value));
        verified.set(token, claims);
      }
      return claims;
    },
  };
}
