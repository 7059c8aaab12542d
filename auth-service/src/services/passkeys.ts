import { randomBytes } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Clock } from '../clock.js';
import { AppError, type ErrorCode } from '../errors.js';
import type { PasskeyRecord } from '../store/passkeys-repository.js';
import type { Store } from '../store/store.js';
import type { UserRecord } from '../store/users-repository.js';
import { amrFor, type AuthMethod } from './auth-methods.js';
import { noPassword } from './passwords.js';
import { hashToken } from './token-hash.js';

/** How long a browser has to answer a challenge (the WebAuthn call's timeout is shorter). */
export const challengeTtlMs = 5 * 60_000;
const ceremonyTimeoutMs = 120_000;
const maxPasskeysPerUser = 20;

/** One row of the account page's passkey list. */
export interface PasskeySummary {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** Synced by its platform (iCloud Keychain, Google Password Manager …) rather than bound to one device. */
  synced: boolean;
}

/** Options for the browser, and the token that binds their challenge to it (kept in an HttpOnly cookie). */
export interface IssuedChallenge<Options> {
  options: Options;
  token: string;
  expiresAt: number;
}

export interface WebauthnPolicy {
  rpId: string;
  origin: string;
  rpName: string;
}

/**
 * Passkeys (WebAuthn, via SimpleWebAuthn): registering them to a signed-in user, signing in with a discoverable
 * one (no email needed), renaming and deleting them. Every challenge is single use, bound to the browser that
 * asked (its token lives only in that browser's cookie; only its hash is stored), and expires after
 * `challengeTtlMs`. User verification is required, so a passkey sign-in is two factors (see auth-methods.ts).
 */
export interface Passkeys {
  list(userId: string): Promise<PasskeySummary[]>;
  registrationOptions(user: UserRecord): Promise<IssuedChallenge<PublicKeyCredentialCreationOptionsJSON>>;
  /** Verifies a new passkey against the browser's challenge and stores it under `name`. */
  register(user: UserRecord, challengeToken: string | undefined, response: RegistrationResponseJSON, name: string): Promise<PasskeySummary>;
  signInOptions(): Promise<IssuedChallenge<PublicKeyCredentialRequestOptionsJSON>>;
  /** Verifies a sign-in response; answers its user and the session's amr (`hwk mfa` or `swk mfa`). */
  verifySignIn(challengeToken: string | undefined, response: AuthenticationResponseJSON): Promise<{ user: UserRecord; methods: AuthMethod[] }>;
  rename(userId: string, id: string, name: string): Promise<void>;
  remove(userId: string, id: string): Promise<void>;
}

/** SimpleWebAuthn says what failed only in its message: each kind of refusal gets its own code. */
function refusal(err: unknown): AppError {
  const message = err instanceof Error ? err.message : '';
  const code: ErrorCode = /challenge/i.test(message)
    ? 'PASSKEY_CHALLENGE_MISMATCH'
    : /origin/i.test(message)
      ? 'PASSKEY_ORIGIN_MISMATCH'
      : /RP ID/i.test(message)
        ? 'PASSKEY_RP_ID_MISMATCH'
        : /counter/i.test(message)
          ? 'PASSKEY_COUNTER_ROLLBACK'
          : 'PASSKEY_VERIFICATION_FAILED';
  return new AppError(code, undefined, { cause: err });
}

/** A SimpleWebAuthn verification's answer when it verified; its throw or a `verified: false`, as our refusal. */
async function verifiedBy<T extends { verified: boolean }>(verification: () => Promise<T>): Promise<T & { verified: true }> {
  let answer: T;
  try {
    answer = await verification();
  } catch (err) {
    throw refusal(err);
  }
  if (!answer.verified) throw new AppError('PASSKEY_VERIFICATION_FAILED');
  return answer as T & { verified: true };
}

const summary = (row: PasskeyRecord): PasskeySummary => ({
  id: row.id,
  name: row.name,
  createdAt: new Date(Number(row.created_at)).toISOString(),
  lastUsedAt: row.last_used_at === null ? null : new Date(Number(row.last_used_at)).toISOString(),
  synced: row.device_type === 'multiDevice',
});

const transportsOf = (row: PasskeyRecord): AuthenticatorTransportFuture[] => JSON.parse(row.transports) as AuthenticatorTransportFuture[];

export function createPasskeys(deps: { store: Store; policy: WebauthnPolicy; clock: Clock }): Passkeys {
  const { store, policy, clock } = deps;

  async function issue<Options extends { challenge: string }>(purpose: string, userId: string | null, options: Options): Promise<IssuedChallenge<Options>> {
    const now = clock();
    await store.webauthnChallenges.deleteExpired(now);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + challengeTtlMs;
    await store.webauthnChallenges.insert({ token_hash: hashToken(token), purpose, user_id: userId, challenge: options.challenge, created_at: now, expires_at: expiresAt });
    return { options, token, expiresAt };
  }

  /** The browser's challenge for `purpose`, used up now; refused when missing, used, expired, or another user's. */
  async function takeChallenge(token: string | undefined, purpose: string, userId: string | null): Promise<string> {
    if (!token || token.length > 128) throw new AppError('PASSKEY_CHALLENGE_INVALID');
    const row = await store.webauthnChallenges.take(hashToken(token), purpose);
    if (!row || clock() >= Number(row.expires_at) || row.user_id !== userId) throw new AppError('PASSKEY_CHALLENGE_INVALID');
    return row.challenge;
  }

  return {
    async list(userId) {
      return (await store.passkeys.listByUser(userId)).map(summary);
    },

    async registrationOptions(user) {
      const existing = await store.passkeys.listByUser(user.id);
      if (existing.length >= maxPasskeysPerUser) throw new AppError('PASSKEY_LIMIT');
      const options = await generateRegistrationOptions({
        rpName: policy.rpName,
        rpID: policy.rpId,
        userID: new TextEncoder().encode(user.id),
        userName: user.email,
        userDisplayName: user.name,
        timeout: ceremonyTimeoutMs,
        attestationType: 'none',
        excludeCredentials: existing.map((p) => ({ id: p.id, transports: transportsOf(p) })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      });
      return issue('register', user.id, options);
    },

    async register(user, challengeToken, response, name) {
      const expectedChallenge = await takeChallenge(challengeToken, 'register', user.id);
      const verified = await verifiedBy(() =>
        verifyRegistrationResponse({
          response,
          expectedChallenge,
          expectedOrigin: policy.origin,
          expectedRPID: policy.rpId,
          requireUserVerification: true,
        }),
      );
      const { credential, credentialDeviceType, credentialBackedUp } = verified.registrationInfo;
      if (await store.passkeys.find(credential.id)) throw new AppError('PASSKEY_EXISTS');
      const row: PasskeyRecord = {
        id: credential.id,
        user_id: user.id,
        name,
        public_key: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: JSON.stringify(credential.transports ?? []),
        device_type: credentialDeviceType,
        backed_up: credentialBackedUp ? 1 : 0,
        created_at: clock(),
        last_used_at: null,
      };
      await store.passkeys.insert(row);
      return summary(row);
    },

    async signInOptions() {
      // No allowCredentials: a discoverable credential, chosen by the user, says who they are.
      const options = await generateAuthenticationOptions({ rpID: policy.rpId, userVerification: 'required', timeout: ceremonyTimeoutMs });
      return issue('sign_in', null, options);
    },

    async verifySignIn(challengeToken, response) {
      const expectedChallenge = await takeChallenge(challengeToken, 'sign_in', null);
      const row = typeof response?.id === 'string' && response.id.length <= 1024 ? await store.passkeys.find(response.id) : undefined;
      if (!row) throw new AppError('PASSKEY_UNKNOWN');
      // The user handle, when given, must be the one the passkey was registered for.
      const handle = response.response?.userHandle;
      if (handle !== undefined && Buffer.from(handle, 'base64url').toString('utf8') !== row.user_id) throw new AppError('PASSKEY_UNKNOWN');
      const verified = await verifiedBy(() =>
        verifyAuthenticationResponse({
          response,
          expectedChallenge,
          expectedOrigin: policy.origin,
          expectedRPID: policy.rpId,
          credential: { id: row.id, publicKey: Buffer.from(row.public_key, 'base64url'), counter: Number(row.counter), transports: transportsOf(row) },
          requireUserVerification: true,
        }),
      );
      const info = verified.authenticationInfo;
      if (!(await store.passkeys.recordUse(row.id, Number(row.counter), info.newCounter, clock()))) throw new AppError('PASSKEY_COUNTER_ROLLBACK');
      const user = await store.users.findById(row.user_id);
      if (!user) throw new AppError('PASSKEY_UNKNOWN');
      return { user, methods: amrFor([info.credentialDeviceType === 'multiDevice' ? 'swk' : 'hwk'], info.userVerified) };
    },

    async rename(userId, id, name) {
      if (!(await store.passkeys.rename(userId, id, name))) throw new AppError('NOT_FOUND', 'No such passkey.');
    },

    async remove(userId, id) {
      const mine = await store.passkeys.listByUser(userId);
      if (!mine.some((p) => p.id === id)) throw new AppError('NOT_FOUND', 'No such passkey.');
      // An account with passkeys only keeps at least one: otherwise nothing would sign in to it.
      if (mine.length === 1 && (await store.users.findById(userId))?.password_hash === noPassword) throw new AppError('PASSKEY_LAST_ONE');
      if (!(await store.passkeys.delete(userId, id))) throw new AppError('NOT_FOUND', 'No such passkey.');
    },
  };
}
