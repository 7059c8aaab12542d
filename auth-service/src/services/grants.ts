import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RefreshTokenRecord } from '../store/refresh-tokens-repository.js';
import type { Store } from '../store/store.js';
import { AppError } from '../errors.js';
import type { Clock } from '../clock.js';

/** An authorization code lives at most this long (the issue's ≤ 60 s). */
export const codeTtlMs = 60_000;
/** Expired codes and refresh tokens are swept at most this often, on the token path. */
const sweepIntervalMs = 10 * 60_000;

/** What a code or refresh token grants: to one client, for one user, tied to one account session. */
export interface Grant {
  clientId: string;
  userId: string;
  sessionId: string;
  scope: string;
  authTime: number;
  /** The refresh-token family this grant belongs to (one per authorization code). */
  familyId: string;
}

/** A refresh token accepted for rotation: its grant, and the one token that replaces it. */
export interface RefreshRotation {
  grant: Grant;
  /**
   * Stores the successor (unless it is already stored) and returns it. However often the same token is
   * presented within the grace window, this is the same token: the successor is derived from it.
   */
  issueSuccessor(expiresAt: number): Promise<string>;
}

/** The grant a stored code or refresh token stands for. */
function grantOf(row: { client_id: string; user_id: string; session_id: string; scope: string; auth_time: number; family_id: string }): Grant {
  return {
    clientId: row.client_id,
    userId: row.user_id,
    sessionId: row.session_id,
    scope: row.scope,
    authTime: Number(row.auth_time),
    familyId: row.family_id,
  };
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const secret = () => randomBytes(32).toString('base64url');

function refreshTokenRow(tokenHash: string, grant: Grant, expiresAt: number, now: number): RefreshTokenRecord {
  return {
    token_hash: tokenHash,
    family_id: grant.familyId,
    client_id: grant.clientId,
    user_id: grant.userId,
    session_id: grant.sessionId,
    scope: grant.scope,
    auth_time: grant.authTime,
    created_at: now,
    expires_at: expiresAt,
    used_at: null,
  };
}

/** RFC 7636: the verifier is 43–128 unreserved characters; S256 hashes it to the challenge. */
const verifierPattern = /^[A-Za-z0-9._~-]{43,128}$/;

function pkceMatches(verifier: string, challenge: string): boolean {
  if (!verifierPattern.test(verifier)) return false;
  const computed = Buffer.from(sha256(verifier));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

/** Authorization codes and refresh tokens, each bound to one client, one user and one account session. */
export interface Grants {
  /** Stores a new code (single-use, 60 s, bound to its client, redirect URI and PKCE challenge); returns it. */
  issueCode(input: Omit<Grant, 'familyId'> & { redirectUri: string; codeChallenge: string; nonce: string | null }): Promise<string>;
  /**
   * Redeems a code once. A replayed code also revokes the refresh tokens issued from it (RFC 6749 §4.1.2).
   * Throws `invalid_grant`.
   */
  redeemCode(input: { code: string; clientId: string; redirectUri: string; codeVerifier: string }): Promise<Grant & { nonce: string | null }>;
  /** The first refresh token of the grant's family; it cannot outlive the account session (`expiresAt`). */
  issueRefreshToken(grant: Grant, expiresAt: number): Promise<string>;
  /**
   * Uses up a refresh token. A used one is accepted again only within the grace window and while its
   * successor is unused, and then yields that same successor; any other reuse revokes the family.
   */
  useRefreshToken(token: string, clientId: string): Promise<RefreshRotation>;
  /** RFC 7009: revokes the refresh token's family. Unknown tokens are ignored; another client's are refused. */
  revokeRefreshToken(token: string, clientId: string): Promise<void>;
  /** Ends a grant, e.g. when its session turned out to be gone. */
  revokeFamily(familyId: string): Promise<void>;
  /** The clients the user has a live grant with (an unexpired refresh token): FedCM's `approved_clients`. */
  approvedClients(userId: string): Promise<string[]>;
  /** Ends every grant the user gave the client (FedCM's disconnect): its refresh tokens stop working. */
  revokeClient(userId: string, clientId: string): Promise<void>;
}

/**
 * Authorization codes and refresh tokens. Both are secrets of which only the SHA-256 is stored: codes and the
 * first refresh token of a family are 32 random bytes. A code is single-use, lives 60 s and is bound to its
 * client, redirect URI and PKCE challenge. Refresh tokens rotate on every use; presenting a used one revokes
 * its whole family, except within `graceMs` of its first use and while its successor is still unused, so two
 * tabs refreshing with the same token at once both succeed.
 *
 * Within that window the answer is the successor already issued, never a second one: otherwise a thief
 * replaying the old token would get a chain of his own that reuse detection never sees. Since only hashes are
 * stored, the successor is derived from the presented token (HMAC-SHA-256 under a key derived from SECRET_KEY),
 * so the service can give the same one again without keeping it. See docs/decisions/0003-oidc-provider.md.
 */
export function createGrants(store: Store, policy: { refreshGraceMs: number }, clock: Clock, secretKey: Buffer): Grants {
  const successorKey = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'userbox oidc refresh-token successor v1', 32));
  const successorOf = (token: string) => createHmac('sha256', successorKey).update(token).digest('base64url');
  let lastSweep = 0;

  async function sweep(now: number): Promise<void> {
    if (now - lastSweep < sweepIntervalMs) return;
    lastSweep = now;
    await store.authorizationCodes.deleteExpired(now);
    await store.refreshTokens.deleteExpired(now);
  }

  return {
    async issueCode(input: Omit<Grant, 'familyId'> & { redirectUri: string; codeChallenge: string; nonce: string | null }): Promise<string> {
      const code = secret();
      const now = clock();
      await store.authorizationCodes.insert({
        code_hash: sha256(code),
        client_id: input.clientId,
        redirect_uri: input.redirectUri,
        user_id: input.userId,
        session_id: input.sessionId,
        code_challenge: input.codeChallenge,
        scope: input.scope,
        nonce: input.nonce,
        auth_time: input.authTime,
        family_id: randomBytes(16).toString('base64url'),
        expires_at: now + codeTtlMs,
        used_at: null,
      });
      return code;
    },
    async redeemCode(input: { code: string; clientId: string; redirectUri: string; codeVerifier: string }): Promise<Grant & { nonce: string | null }> {
      const now = clock();
      await sweep(now);
      const codeHash = sha256(input.code);
      const row = await store.authorizationCodes.consume(codeHash, now);
      if (!row) {
        const used = await store.authorizationCodes.find(codeHash);
        if (used) {
          await store.refreshTokens.deleteFamily(used.family_id);
          throw new AppError('INVALID_GRANT', 'The authorization code was already used.');
        }
        throw new AppError('INVALID_GRANT', 'The authorization code is invalid.');
      }
      if (now >= Number(row.expires_at)) throw new AppError('INVALID_GRANT', 'The authorization code has expired.');
      if (row.client_id !== input.clientId) throw new AppError('INVALID_GRANT', 'The authorization code was issued to another client.');
      if (row.redirect_uri !== input.redirectUri) throw new AppError('INVALID_GRANT', 'redirect_uri does not match the authorization request.');
      if (!pkceMatches(input.codeVerifier, row.code_challenge)) throw new AppError('INVALID_GRANT', 'code_verifier does not match the code_challenge.');
      // The app now holds tokens of this session: it is told when the session ends (back-channel-logout.ts).
      await store.sessionClients.record({ session_id: row.session_id, client_id: row.client_id, user_id: row.user_id, created_at: now });
      return { ...grantOf(row), nonce: row.nonce };
    },
    async issueRefreshToken(grant: Grant, expiresAt: number): Promise<string> {
      const token = secret();
      await store.refreshTokens.insert(refreshTokenRow(sha256(token), grant, expiresAt, clock()));
      return token;
    },
    async useRefreshToken(token: string, clientId: string): Promise<RefreshRotation> {
      const now = clock();
      await sweep(now);
      const tokenHash = sha256(token);
      const row = await store.refreshTokens.find(tokenHash);
      if (!row || now >= Number(row.expires_at)) throw new AppError('INVALID_GRANT', 'The refresh token is invalid or expired.');
      if (row.client_id !== clientId) throw new AppError('INVALID_GRANT', 'The refresh token was issued to another client.');
      const grant = grantOf(row);
      const successor = successorOf(token);
      const successorHash = sha256(successor);
      if (!(await store.refreshTokens.markUsed(tokenHash, now))) {
        const usedAt = Number((await store.refreshTokens.find(tokenHash))?.used_at ?? row.used_at ?? 0);
        // Not stored yet means the first use is still being answered (or failed after marking): same successor.
        const next = await store.refreshTokens.find(successorHash);
        if (now - usedAt > policy.refreshGraceMs || (next !== undefined && next.used_at !== null)) {
          await store.refreshTokens.deleteFamily(row.family_id);
          throw new AppError('INVALID_GRANT', 'The refresh token was already used; every token of this grant is now revoked.');
        }
      }
      return {
        grant,
        async issueSuccessor(expiresAt: number): Promise<string> {
          await store.refreshTokens.insertIfAbsent(refreshTokenRow(successorHash, grant, expiresAt, clock()));
          return successor;
        },
      };
    },
    async revokeRefreshToken(token: string, clientId: string): Promise<void> {
      const row = await store.refreshTokens.find(sha256(token));
      if (!row) return;
      if (row.client_id !== clientId) throw new AppError('INVALID_REQUEST', 'The token was not issued to this client.');
      await store.refreshTokens.deleteFamily(row.family_id);
    },
    async revokeFamily(familyId: string): Promise<void> {
      await store.refreshTokens.deleteFamily(familyId);
    },
    async approvedClients(userId: string): Promise<string[]> {
      const now = clock();
      const rows = await store.refreshTokens.listByUser(userId);
      return [...new Set(rows.filter((r) => Number(r.expires_at) > now).map((r) => r.client_id))];
    },
    async revokeClient(userId: string, clientId: string): Promise<void> {
      await store.refreshTokens.deleteByUserAndClient(userId, clientId);
    },
  };
}
