// Verifies Userbox access tokens in a host app's back end, with jose alone. The types and their documentation are
// in index.d.ts; `npm run typecheck` checks this file against them.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';

/** @import { AccessTokenVerifier, AccessTokenVerifierOptions, UserboxAccessToken, LogoutTokenVerifier, LogoutTokenVerifierOptions, UserboxLogoutToken } from './index.js' */

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

export const backChannelLogoutEvent = 'http://schemas.openid.net/event/backchannel-logout';

/** A logout token refused: `reason` says which rule it broke (never the token). */
export class InvalidLogoutTokenError extends Error {
  /** @override */
  name = 'InvalidLogoutTokenError';
  /** @param {string} reason @param {unknown} [cause] */
  constructor(reason, cause) {
    super(`invalid logout token: ${reason}`, cause === undefined ? undefined : { cause });
    this.reason = reason;
  }
}

/** @param {LogoutTokenVerifierOptions} options @returns {LogoutTokenVerifier} */
export function createLogoutTokenVerifier(options) {
  const { issuer, audience, clockTolerance = 5, maxAgeSeconds = 120, algorithms = ['ES256', 'RS256'], now = () => Date.now() } = options;
  const keys = options.keys ?? createRemoteJWKSet(new URL(options.jwksUri ?? `${issuer.replace(/\/$/, '')}/jwks.json`));
  /** jti → until when (seconds) it is remembered. @type {Map<string, number>} */
  const seen = new Map();

  /** @param {number} at */
  const forgetOld = (at) => {
    for (const [jti, until] of seen) if (until < at) seen.delete(jti);
  };

  return {
    async verify(token) {
      /** @type {import('jose').ProtectedHeaderParameters} */
      let header;
      try {
        header = decodeProtectedHeader(token);
      } catch (err) {
        throw new InvalidLogoutTokenError('not a JWT', err);
      }
      // §2.6 allows no typ; when there is one it must say what this is, so an ID token is never taken for one.
      if (header.typ !== undefined && header.typ.toLowerCase().replace(/^application\//, '') !== 'logout+jwt') throw new InvalidLogoutTokenError('typ');
      const nowSeconds = Math.floor(now() / 1000);
      /** @type {import('jose').JWTPayload} */
      let payload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer,
          audience,
          algorithms,
          clockTolerance,
          currentDate: new Date(nowSeconds * 1000),
          requiredClaims: ['iat', 'jti'],
          maxTokenAge: maxAgeSeconds,
        }));
      } catch (err) {
        throw new InvalidLogoutTokenError(/** @type {{ code?: string }} */ (err).code ?? 'signature or claims', err);
      }
      const iat = /** @type {number} */ (payload.iat);
      if (iat > nowSeconds + clockTolerance) throw new InvalidLogoutTokenError('iat in the future');
      const events = /** @type {unknown} */ (payload['events']);
      const event = events !== null && typeof events === 'object' ? /** @type {Record<string, unknown>} */ (events)[backChannelLogoutEvent] : undefined;
      if (event === null || typeof event !== 'object' || Array.isArray(event)) throw new InvalidLogoutTokenError('events');
      if ('nonce' in payload) throw new InvalidLogoutTokenError('nonce present');
      const sid = typeof payload['sid'] === 'string' ? payload['sid'] : undefined;
      const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
      if (sid === undefined && sub === undefined) throw new InvalidLogoutTokenError('neither sid nor sub');
      const jti = /** @type {unknown} */ (payload.jti);
      if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw new InvalidLogoutTokenError('jti');
      forgetOld(nowSeconds);
      if (seen.has(jti)) throw new InvalidLogoutTokenError('replayed jti');
      // Remembered for as long as the token could pass the checks above: its age limit, and its exp when later.
      seen.set(jti, Math.max(iat + maxAgeSeconds, typeof payload.exp === 'number' ? payload.exp : 0) + clockTolerance);
      return /** @type {UserboxLogoutToken} */ ({ ...payload, ...(sid !== undefined ? { sid } : {}), ...(sub !== undefined ? { sub } : {}) });
    },
  };
}
