/**
 * Verifies Userbox access tokens in a host app's back end, with jose alone: the account service's public keys
 * come from its JWKS (`createRemoteJWKSet`: fetched once, cached, refetched when an unknown `kid` shows up after
 * a key rotation), and `iss`, `aud`, `exp`, `typ: at+jwt` and the algorithm (ES256, the only one the service
 * signs with) are checked.
 *
 * @example
 * ```ts
 * import { bearerToken, createAccessTokenVerifier } from '@userbox/verify';
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
import type { JWTPayload, JWTVerifyGetKey } from 'jose';

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
  /**
   * Another key source instead of a remote JWKS at `jwksUri`: a `createRemoteJWKSet` of your own (to share it,
   * or to fetch through your own `customFetch`), or a fixed key in tests.
   */
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

/** Verifies access tokens for one issuer and one audience. */
export interface AccessTokenVerifier {
  /**
   * Resolves to the token's claims, or rejects with the jose error that says why (`err.code`: `ERR_JWT_EXPIRED`,
   * `ERR_JWS_SIGNATURE_VERIFICATION_FAILED`, `ERR_JWT_CLAIM_VALIDATION_FAILED`, `ERR_JWKS_NO_MATCHING_KEY`, …).
   * Answer 401 for any of them.
   */
  verify(token: string): Promise<UserboxAccessToken>;
}

/** The token from an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined;

/**
 * Makes a verifier for one issuer and one audience.
 *
 * Access tokens are stateless: after a sign-out they stay valid here until they expire (at most 10 minutes),
 * while the browser's refresh fails at once.
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier;
