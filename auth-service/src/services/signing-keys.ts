import { randomBytes } from 'node:crypto';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import type { Logger } from 'pino';
import type { SigningKeyRecord } from '../store/signing-keys-repository.js';
import { createSecretBox } from './secret-box.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../clock.js';

export const signingAlg = 'ES256';

export interface SigningKeyPolicy {
  /** A key signs for this long before a new one replaces it. */
  rotationMs: number;
  /** The longest lifetime of a token it signs: a retired key is published for this long (plus skew). */
  tokenTtlMs: number;
}

/** Keys are re-read from the store this often, so every instance picks up another's rotation. */
const reloadMs = 60_000;
/** Clock skew allowed to verifiers. */
const skewMs = 60_000;

/**
 * How long a retired key stays published: another instance may sign with it for up to `reloadMs` after the
 * rotation, its tokens then live `tokenTtlMs`, and verifiers' clocks may be `skewMs` behind.
 */
export function retiredKeyRetentionMs(policy: SigningKeyPolicy): number {
  return reloadMs + policy.tokenTtlMs + skewMs;
}

/** The private halves at rest, sealed to their kid (see secret-box.ts). */
function sealer(secretKey: Buffer) {
  const box = createSecretBox(secretKey, 'userbox oidc signing keys at rest v1');
  return {
    seal: (plaintext: string, kid: string): string => box.seal(plaintext, kid),
    open(sealed: string, kid: string): string {
      try {
        return box.open(sealed, kid);
      } catch (err) {
        throw new Error(`signing key ${kid} cannot be decrypted: was SECRET_KEY changed?`, { cause: err });
      }
    },
  };
}

interface LoadedKeys {
  loadedAt: number;
  active: { kid: string; key: CryptoKey; createdAt: number };
  jwks: JSONWebKeySet;
  getKey: JWTVerifyGetKey;
}

/** The provider's signing keys, as the token service and the JWKS endpoint use them. */
export interface SigningKeys {
  /** The key to sign with now. */
  signer(): Promise<{ kid: string; key: CryptoKey }>;
  /** The public keys to publish: the active one and the retired ones still needed. */
  jwks(): Promise<JSONWebKeySet>;
  /**
   * Key lookup for jose's `jwtVerify`. An unknown `kid` re-reads the store once (another instance may have
   * rotated) but no more than once a second.
   */
  getKey: JWTVerifyGetKey;
  /** Replaces the signing key now (`npx userbox keys rotate`); returns the new kid. */
  rotate(): Promise<string>;
}

/**
 * The provider's signing keys: ES256 pairs with a `kid`, kept in the store with the private half encrypted.
 * The newest key signs; when it is older than `rotationMs` (or on `rotate()`, the CLI), a new one replaces it.
 * Retired public keys stay in the JWKS until every token they signed has expired, then they are deleted.
 */
export function createSigningKeys(
  store: Store,
  secretKey: Buffer,
  policy: SigningKeyPolicy,
  clock: Clock,
  logger?: Pick<Logger, 'warn'>,
): SigningKeys {
  const box = sealer(secretKey);
  let loaded: LoadedKeys | undefined;
  let loading: Promise<LoadedKeys> | undefined;

  async function addKey(now: number): Promise<void> {
    const kid = randomBytes(12).toString('base64url');
    const { publicKey, privateKey } = await generateKeyPair(signingAlg, { extractable: true });
    const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: signingAlg, use: 'sig' };
    const row: SigningKeyRecord = {
      kid,
      alg: signingAlg,
      public_jwk: JSON.stringify(publicJwk),
      private_jwk_encrypted: box.seal(JSON.stringify(await exportJWK(privateKey)), kid),
      created_at: now,
      retired_at: null,
    };
    await store.signingKeys.insertAndRetireOthers(row, now);
  }

  async function load(): Promise<LoadedKeys> {
    const now = clock();
    await store.signingKeys.deleteRetiredBefore(now - retiredKeyRetentionMs(policy));
    let rows = await store.signingKeys.list();
    let newest = rows.find((r) => r.retired_at === null);
    let privateJwk: string | undefined;
    if (newest && now - Number(newest.created_at) < policy.rotationMs) {
      try {
        privateJwk = box.open(newest.private_jwk_encrypted, newest.kid);
      } catch (err) {
        // SECRET_KEY changed (or differs between instances): sign with a new key; the old public keys stay
        // published, so tokens already issued keep working.
        logger?.warn({ err, kid: newest.kid }, 'cannot decrypt the signing key: rotating to a new one');
      }
    }
    if (privateJwk === undefined) {
      await addKey(now);
      rows = await store.signingKeys.list();
      newest = rows.find((r) => r.retired_at === null);
      if (!newest) throw new Error('no active signing key after rotation');
      privateJwk = box.open(newest.private_jwk_encrypted, newest.kid);
    }
    if (!newest) throw new Error('no active signing key');
    // The signing key first, then the retired ones.
    rows.sort((a, b) => Number(a.retired_at !== null) - Number(b.retired_at !== null));
    const jwks: JSONWebKeySet = { keys: rows.map((r) => JSON.parse(r.public_jwk) as JWK) };
    const key = (await importJWK(JSON.parse(privateJwk) as JWK, signingAlg)) as CryptoKey;
    return {
      loadedAt: now,
      active: { kid: newest.kid, key, createdAt: Number(newest.created_at) },
      jwks,
      getKey: createLocalJWKSet(jwks),
    };
  }

  async function current(force = false): Promise<LoadedKeys> {
    const now = clock();
    const fresh =
      loaded && !force && now - loaded.loadedAt < reloadMs && now - loaded.active.createdAt < policy.rotationMs;
    if (fresh) return loaded!;
    // Concurrent callers share one load.
    loading ??= load().finally(() => {
      loading = undefined;
    });
    loaded = await loading;
    return loaded;
  }

  return {
    async signer(): Promise<{ kid: string; key: CryptoKey }> {
      const { active } = await current();
      return { kid: active.kid, key: active.key };
    },
    async jwks(): Promise<JSONWebKeySet> {
      return (await current()).jwks;
    },
    getKey: (async (header, token) => {
      let keys = await current();
      try {
        return await keys.getKey(header, token);
      } catch (err) {
        if (clock() - keys.loadedAt < 1000) throw err;
        keys = await current(true);
        return keys.getKey(header, token);
      }
    }) satisfies JWTVerifyGetKey,
    async rotate(): Promise<string> {
      await addKey(clock());
      return (await current(true)).active.kid;
    },
  };
}
