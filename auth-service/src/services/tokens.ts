import { randomBytes } from 'node:crypto';
import { SignJWT, compactVerify, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { UserRecord } from '../store/users-repository.js';
import { AppError } from '../errors.js';
import { accessTokenAlg, signingAlgs, type SigningAlg, type SigningKeys } from './signing-keys.js';
import type { Clock } from '../clock.js';

/** What a token is about: the user, the client, the account session it is tied to and what was granted. */
export interface TokenSubject {
  user: Pick<UserRecord, 'id' | 'name' | 'email' | 'picture' | 'email_verified_at'>;
  clientId: string;
  sessionId: string;
  scope: string;
  /** When the user signed in (the session's start), ms. */
  authTime: number;
  /** How the user signed in (RFC 8176 `amr`), from the account session. */
  amr: readonly string[];
}

/** The claims of a verified access token (RFC 9068). */
export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  client_id: string;
  sid: string;
  scope: string;
  exp: number;
}

export const accessTokenType = 'at+jwt';
/** The `typ` of a logout token (OpenID Connect Back-Channel Logout 1.0 §2.4): explicit, so it is never taken for an ID token. */
export const logoutTokenType = 'logout+jwt';
/** The event a logout token announces (§2.4 `events`). */
export const backChannelLogoutEvent = 'http://schemas.openid.net/event/backchannel-logout';
/** A logout token is sent at once (each retry signs a new one), so it lives briefly. */
export const logoutTokenTtlMs = 2 * 60_000;
/** The `typ` of our ID tokens (RFC 7519 §5.1); an access token carries `at+jwt` instead. */
const idTokenType = 'JWT';

/**
 * What an `id_token_hint` names. `verified` is false when it looks like one of our ID tokens but its key is no
 * longer published: then its `aud` counts no more than a `client_id` parameter, and `sid` is withheld, so the
 * user is asked before anything happens.
 */
export interface IdTokenHint {
  aud: string;
  sub: string;
  sid: string | undefined;
  verified: boolean;
}

const scopes = (scope: string) => new Set(scope.split(' '));

/** The user claims a scope allows, for the ID token and `/userinfo`. */
export function userClaims(user: TokenSubject['user'], scope: string): Record<string, string | boolean> {
  const granted = scopes(scope);
  return {
    sub: user.id,
    ...(granted.has('profile') ? { name: user.name, ...(user.picture ? { picture: user.picture } : {}) } : {}),
    ...(granted.has('email') ? { email: user.email, email_verified: user.email_verified_at !== null } : {}),
  };
}

/** Verified access tokens are remembered (until they expire) so a token is checked once, not on every request. */
const verifiedCacheSize = 10_000;

/** The provider's JWTs: access tokens (RFC 9068) and ID tokens (OpenID Connect Core), both short-lived. */
export interface Tokens {
  /** How long a token lives, for `expires_in`. */
  readonly ttlSeconds: number;
  /** An access token: `typ: at+jwt`, `aud` = the client id, `sid` = the account session. */
  accessToken(subject: TokenSubject): Promise<string>;
  /**
   * An ID token with the user claims the scope allows, and `nonce` when the request had one, signed with `alg`
   * (the client's `idTokenSignedResponseAlg`).
   */
  idToken(subject: TokenSubject, nonce: string | null, alg: SigningAlg): Promise<string>;
  /**
   * A logout token (Back-Channel Logout 1.0 §2.4) saying the account session `sid` of `sub` has ended: `typ:
   * logout+jwt`, `aud` = the client, a fresh `jti`, the `events` claim, never a `nonce`; signed like the client's ID
   * tokens (`alg`), living `logoutTokenTtlMs`.
   */
  logoutToken(subject: { userId: string; clientId: string; sessionId: string }, alg: SigningAlg): Promise<string>;
  /**
   * Checks an access token: signature by one of our keys (ES256 only, so RS256 keys, `alg: none` and HMAC tricks fail),
   * `typ`, issuer and expiry. Throws `invalid_token`. The session behind `sid` is checked by the caller.
   */
  verifyAccessToken(token: string): Promise<AccessTokenClaims>;
  /**
   * Checks an `id_token_hint` for RP-initiated logout: one of our ID tokens (`typ: JWT` and the ID token's
   * claims, so an access token is refused), signed by us, for us. An expired one is accepted, as OpenID Connect
   * RP-Initiated Logout allows, because sign-out often comes after the ID token's short life. One whose key has
   * left the JWKS (retired long enough ago) cannot be checked any more: it comes back unverified, and the
   * caller asks the user, as the spec allows, rather than showing an error.
   */
  verifyIdTokenHint(token: string): Promise<IdTokenHint>;
}

/**
 * Signs and verifies the provider's JWTs. Access tokens are RFC 9068 JWTs (`typ: at+jwt`, `aud` = the client id,
 * `sid` = the account session); ID tokens are OpenID Connect Core ones. Both live `ttlMs` (at most 10 minutes).
 */
export function createTokens(deps: { issuer: string; keys: SigningKeys; ttlMs: number; clock: Clock }): Tokens {
  const { issuer, keys, ttlMs, clock } = deps;
  const verified = new Map<string, AccessTokenClaims>();
  const seconds = (ms: number) => Math.floor(ms / 1000);

  async function sign(payload: JWTPayload, typ: string, alg: SigningAlg, lifetimeMs = ttlMs): Promise<string> {
    const { kid, key } = await keys.signer(alg);
    const now = seconds(clock());
    return new SignJWT(payload)
      .setProtectedHeader({ alg, kid, typ })
      .setIssuer(issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + seconds(lifetimeMs))
      .sign(key);
  }

  return {
    ttlSeconds: seconds(ttlMs),
    accessToken: (s: TokenSubject): Promise<string> =>
      sign(
        {
          sub: s.user.id,
          aud: s.clientId,
          client_id: s.clientId,
          sid: s.sessionId,
          scope: s.scope,
          auth_time: seconds(s.authTime),
          jti: randomBytes(16).toString('base64url'),
        },
        accessTokenType,
        accessTokenAlg,
      ),
    idToken: (s: TokenSubject, nonce: string | null, alg: SigningAlg): Promise<string> =>
      sign(
        {
          ...userClaims(s.user, s.scope),
          aud: s.clientId,
          sid: s.sessionId,
          auth_time: seconds(s.authTime),
          amr: [...s.amr],
          ...(nonce !== null ? { nonce } : {}),
        },
        idTokenType,
        alg,
      ),
    logoutToken: (s: { userId: string; clientId: string; sessionId: string }, alg: SigningAlg): Promise<string> =>
      sign(
        {
          sub: s.userId,
          aud: s.clientId,
          sid: s.sessionId,
          jti: randomBytes(16).toString('base64url'),
          events: { [backChannelLogoutEvent]: {} },
        },
        logoutTokenType,
        alg,
        logoutTokenTtlMs,
      ),
    async verifyAccessToken(token: string): Promise<AccessTokenClaims> {
      const cached = verified.get(token);
      if (cached && cached.exp * 1000 > clock()) return cached;
      if (cached) verified.delete(token);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys.getKey, {
          issuer,
          typ: accessTokenType,
          algorithms: [accessTokenAlg],
          requiredClaims: ['sub', 'exp', 'client_id', 'sid'],
          currentDate: new Date(clock()),
        }));
      } catch (err) {
        throw new AppError('INVALID_TOKEN', describe(err));
      }
      const claims = payload as AccessTokenClaims;
      if (typeof claims.sid !== 'string' || typeof claims.client_id !== 'string' || typeof claims.scope !== 'string') {
        throw new AppError('INVALID_TOKEN', 'The access token is missing claims.');
      }
      if (verified.size >= verifiedCacheSize) verified.delete(verified.keys().next().value as string);
      verified.set(token, claims);
      return claims;
    },
    async verifyIdTokenHint(token: string): Promise<IdTokenHint> {
      const refuse = (message: string) => new AppError('INVALID_REQUEST', `id_token_hint: ${message}`);
      let typ: unknown, alg: unknown, claimed: JWTPayload;
      try {
        ({ typ, alg } = decodeProtectedHeader(token));
        claimed = decodeJwt(token);
      } catch {
        throw refuse('The token is malformed.');
      }
      if (!(signingAlgs as readonly unknown[]).includes(alg)) throw refuse('The token algorithm is not allowed.');
      const aud = Array.isArray(claimed.aud) ? claimed.aud[0] : claimed.aud;
      const shaped =
        (typ === undefined || (typeof typ === 'string' && typ.toUpperCase() === idTokenType)) &&
        typeof claimed.sub === 'string' &&
        typeof aud === 'string' &&
        typeof claimed.exp === 'number' &&
        typeof claimed.iat === 'number';
      if (!shaped) throw refuse('The token is not an ID token.');
      if (claimed.iss !== issuer) throw refuse('The token was not issued by this provider.');
      let payload: JWTPayload;
      try {
        const { payload: bytes } = await compactVerify(token, keys.getKey, { algorithms: [...signingAlgs] });
        payload = JSON.parse(new TextDecoder().decode(bytes)) as JWTPayload;
      } catch (err) {
        if (err instanceof errors.JWKSNoMatchingKey) return { aud, sub: claimed.sub as string, sid: undefined, verified: false };
        throw refuse(describe(err));
      }
      const sid = payload['sid'];
      return { aud, sub: payload.sub as string, sid: typeof sid === 'string' ? sid : undefined, verified: true };
    },
  };
}

/** A short reason for a rejected JWT; never the token itself. */
function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'The token has expired.';
  if (err instanceof errors.JWKSNoMatchingKey) return 'The token was signed with an unknown key.';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is invalid.';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'The token algorithm is not allowed.';
  if (err instanceof errors.JWTClaimValidationFailed) return `The token claim "${err.claim}" is invalid.`;
  return 'The token is malformed.';
}
