/**
 * Verifies Userbox access tokens in a host app's back end, with jose alone: the account service's public keys
 * come from its JWKS (`createRemoteJWKSet`: fetched once, cached, refetched when an unknown `kid` shows up after
 * a key rotation), and `iss`, `aud`, `exp`, `typ: at+jwt` and the algorithm (ES256, the only one the service
 * signs with) are checked. Self-contained so it can be copied.
 *
 * @example
 * ```ts
 * import { bearerToken, createAccessTokenVerifier } from './verify-access-token.js';
 *
 * const verifier = createAccessTokenVerifier({ issuer: 'https://accounts.example.test', audience: 'shop' });
 *
 * app.get('/api/orders', async (req, res) => {
 *   const token = bearerToken(req.headers.authorization);
 *   const claims = token ? await verifier.verify(token).catch(() => null) : null;
 *   if (!claims) return res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').end();
 *   res.json(await ordersOf(claims.sub));
 * });
 * ```
 * @module
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

export interface AccessTokenVerifierOptions {
  /** The account service's public URL, exactly as in its tokens' `iss`, e.g. `https://accounts.example.test`. */
  issuer: string;
  /** Your app's id in the Userbox registry: its tokens carry it as `aud` (and `client_id`). */
  audience: string;
  /** Where the keys are; default `${issuer}/jwks.json`. */
  jwksUri?: string;
  /** Allowed clock skew in seconds when checking `exp` (default 5). */
  clockTolerance?: number;
  /**
   * How many verified tokens to remember until they expire (default 10 000; 0 turns it off). A browser reuses
   * its access token for up to 10 minutes, so this saves an ES256 signature check (~0.3 ms) on nearly every
   * request. Only exact token strings that already passed every check are remembered.
   */
  cacheSize?: number;
  /** For tests: another key source instead of the remote JWKS. */
  keys?: JWTVerifyGetKey;
}

/** The claims of a Userbox access token (RFC 9068). */
export interface UserboxAccessToken extends JWTPayload {
  /** The user's id. */
  sub: string;
  /** The app it was issued to (= `aud`). */
  client_id: string;
  /** The account session; it ends on sign-out. Call `/userinfo` when you must know it is still alive. */
  sid: string;
  /** Space-separated, e.g. `openid profile email`. */
  scope: string;
  exp: number;
}

/** The token from an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
  return match?.[1];
}

/**
 * Makes a verifier for one issuer and one audience. `verify` resolves to the token's claims, or rejects with the
 * jose error that says why (`err.code`: `ERR_JWT_EXPIRED`, `ERR_JWS_SIGNATURE_VERIFICATION_FAILED`,
 * `ERR_JWT_CLAIM_VALIDATION_FAILED`, `ERR_JWKS_NO_MATCHING_KEY`, …). Answer 401 for any of them.
 *
 * Access tokens are stateless: after a sign-out they stay valid here until they expire (at most 10 minutes),
 * while the browser's refresh fails at once.
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions) {
  const { issuer, audience, clockTolerance = 5, cacheSize = 10_000 } = options;
  const keys = options.keys ?? createRemoteJWKSet(new URL(options.jwksUri ?? `${issuer.replace(/\/$/, '')}/jwks.json`));
  const verified = new Map<string, UserboxAccessToken>();

  return {
    async verify(token: string): Promise<UserboxAccessToken> {
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
      const claims = payload as UserboxAccessToken;
      if (cacheSize > 0) {
        // Oldest first out: Map keeps insertion order.
        if (verified.size >= cacheSize) verified.delete(verified.keys().next().value as string);
        verified.set(token, claims);
      }
      return claims;
    },
  };
}

export type AccessTokenVerifier = ReturnType<typeof createAccessTokenVerifier>;
