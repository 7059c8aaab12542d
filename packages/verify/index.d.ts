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

/** The `events` member that makes a JWT a logout token (OpenID Connect Back-Channel Logout 1.0 §2.4). */
export const backChannelLogoutEvent: 'http://schemas.openid.net/event/backchannel-logout';

export interface LogoutTokenVerifierOptions {
  /** The account service's public URL, exactly as in its tokens' `iss`. */
  issuer: string;
  /** Your app's id in the Userbox registry (the token's `aud`). */
  audience: string;
  /** Where the keys are; default `${issuer}/jwks.json`. */
  jwksUri?: string;
  /** Another key source instead of a remote JWKS (share the one your ID tokens are checked with). */
  keys?: JWTVerifyGetKey;
  /** Allowed clock skew in seconds (default 5). */
  clockTolerance?: number;
  /** How old a token's `iat` may be, in seconds (default 120: the service's tokens live 2 minutes). */
  maxAgeSeconds?: number;
  /** The algorithms accepted (default ES256 and RS256: the service signs like the app's ID tokens). */
  algorithms?: string[];
  /** The time in ms (default `Date.now`), for tests. */
  now?: () => number;
}

/** The claims of a logout token that passed every check: `sid` or `sub` (or both) is there. */
export interface UserboxLogoutToken extends JWTPayload {
  iss: string;
  iat: number;
  jti: string;
  /** The account session that ended: end the sessions of your app that came from it. */
  sid?: string;
  /** The user; with no `sid`, end every session of your app for this user. */
  sub?: string;
  events: { 'http://schemas.openid.net/event/backchannel-logout': Record<string, unknown> };
}

/** Refused: `reason` names the rule broken (`typ`, `events`, `nonce present`, `replayed jti`, a jose code, …). */
export class InvalidLogoutTokenError extends Error {
  readonly reason: string;
}

/** Verifies the logout tokens the service POSTs to your `backchannelLogoutUri`. */
export interface LogoutTokenVerifier {
  /**
   * Resolves to the claims, or rejects with InvalidLogoutTokenError: answer 400 `{"error":"invalid_request"}` then
   * (§2.8), 200 after ending the sessions. Checks the signature against the JWKS, `iss`, `aud`, `iat` (not older
   * than `maxAgeSeconds`, not in the future), `exp` when present, `typ` when present (`logout+jwt`), the `events`
   * claim, `sid` or `sub`, no `nonce`, and that its `jti` was not seen before (remembered in memory, per verifier:
   * one process; several instances of your app need a shared store for a strict check).
   */
  verify(token: string): Promise<UserboxLogoutToken>;
}

/** Makes a logout-token verifier for one issuer and one audience. */
export function createLogoutTokenVerifier(options: LogoutTokenVerifierOptions): LogoutTokenVerifier;
