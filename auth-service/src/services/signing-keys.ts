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
import type { Store } from '../store/store.js';
import { idTokenAlgs, type IdTokenAlg } from '../store/apps-repository.js';
import type { Clock } from '../clock.js';
import { createSealedBox } from './sealed-box.js';

/** The algorithms the provider signs with: a key pair of each, rotated together. */
export type SigningAlg = IdTokenAlg;
export const signingAlgs: readonly SigningAlg[] = idTokenAlgs;
/** Access tokens are always ES256 (only our own services and `@userbox/verify` read them). */
export const accessTokenAlg = 'ES256' satisfies SigningAlg;

/** How each key pair is generated: ES256 on P-256; RS256 with a 2048-bit modulus (RFC 7518 §3.3's minimum). */
const generateOptions = { ES256: { extractable: true }, RS256: { extractable: true, modulusLength: 2048 } } as const;

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

/** AES-256-GCM under a key derived from SECRET_KEY (never SECRET_KEY itself); the kid is the associated data. */
function sealer(secretKey: Buffer) {
  return createSealedBox(secretKey, 'userbox oidc signing keys at rest v1', 'signing key');
}

interface ActiveKey {
  kid: string;
  key: CryptoKey;
  createdAt: number;
}

interface LoadedKeys {
  loadedAt: number;
  active: Record<SigningAlg, ActiveKey>;
  /** When the oldest active key was made: the whole set rotates when that is `rotationMs` ago. */
  generatedAt: number;
  jwks: JSONWebKeySet;
  getKey: JWTVerifyGetKey;
}

/** The provider's signing keys, as the token service and the JWKS endpoint use them. */
export interface SigningKeys {
  /** The key to sign with now, for `alg` (ES256 by default). */
  signer(alg?: SigningAlg): Promise<{ kid: string; key: CryptoKey }>;
  /** The public keys to publish: the active ones (ES256 first) and the retired ones still needed. */
  jwks(): Promise<JSONWebKeySet>;
  /**
   * Key lookup for jose's `jwtVerify`. An unknown `kid` re-reads the store once (another instance may have
   * rotated) but no more than once a second.
   */
  getKey: JWTVerifyGetKey;
  /** Replaces the signing keys now (`npx userbox keys rotate`); returns the new kid of each algorithm. */
  rotate(): Promise<Record<SigningAlg, string>>;
}

/**
 * The provider's signing keys: one ES256 and one RS256 pair, each with a `kid`, kept in the store with the private
 * half encrypted. The newest pair of each signs; when they are older than `rotationMs` (or on `rotate()`, the
 * CLI), a new pair of each replaces them together, and a store that lacks one algorithm (made before RS256) gets a
 * new set at once.
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

  async function addKeys(now: number): Promise<void> {
    const rows: SigningKeyRecord[] = [];
    for (const alg of signingAlgs) {
      const kid = randomBytes(12).toString('base64url');
      const { publicKey, privateKey } = await generateKeyPair(alg, generateOptions[alg]);
      const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
      rows.push({
        kid,
        alg,
        public_jwk: JSON.stringify(publicJwk),
        private_jwk_encrypted: box.seal(JSON.stringify(await exportJWK(privateKey)), kid),
        created_at: now,
        retired_at: null,
      });
    }
    await store.signingKeys.insertAndRetireOthers(rows, now);
  }

  /** The newest active row of each algorithm, decrypted; undefined when one is missing, due, or unreadable. */
  async function activeKeys(rows: SigningKeyRecord[], now: number, warn: boolean): Promise<Record<SigningAlg, ActiveKey> | undefined> {
    const active: Partial<Record<SigningAlg, ActiveKey>> = {};
    for (const alg of signingAlgs) {
      const row = rows.find((r) => r.retired_at === null && r.alg === alg);
      if (!row || now - Number(row.created_at) >= policy.rotationMs) return undefined;
      let privateJwk: string;
      try {
        privateJwk = box.open(row.private_jwk_encrypted, row.kid);
      } catch (err) {
        // SECRET_KEY changed (or differs between instances): sign with new keys; the old public keys stay
        // published, so tokens already issued keep working.
        if (warn) logger?.warn({ err, kid: row.kid }, 'cannot decrypt the signing key: rotating to a new one');
        else throw err;
        return undefined;
      }
      const key = (await importJWK(JSON.parse(privateJwk) as JWK, alg)) as CryptoKey;
      active[alg] = { kid: row.kid, key, createdAt: Number(row.created_at) };
    }
    return active as Record<SigningAlg, ActiveKey>;
  }

  async function load(): Promise<LoadedKeys> {
    const now = clock();
    await store.signingKeys.deleteRetiredBefore(now - retiredKeyRetentionMs(policy));
    let rows = await store.signingKeys.list();
    let active = await activeKeys(rows, now, true);
    if (!active) {
      await addKeys(now);
      rows = await store.signingKeys.list();
      active = await activeKeys(rows, now, false);
      if (!active) throw new Error('no active signing keys after rotation');
    }
    const activeKids = new Set(signingAlgs.map((alg) => active[alg].kid));
    // The signing keys first (in signingAlgs' order), then the retired ones, newest first.
    const published = [
      ...signingAlgs.map((alg) => rows.find((r) => r.kid === active[alg].kid)!),
      ...rows.filter((r) => !activeKids.has(r.kid)),
    ];
    const jwks: JSONWebKeySet = { keys: published.map((r) => JSON.parse(r.public_jwk) as JWK) };
    return {
      loadedAt: now,
      active,
      generatedAt: Math.min(...signingAlgs.map((alg) => active[alg].createdAt)),
      jwks,
      getKey: createLocalJWKSet(jwks),
    };
  }

  async function current(force = false): Promise<LoadedKeys> {
    const now = clock();
    const fresh =
      loaded && !force && now - loaded.loadedAt < reloadMs && now - loaded.generatedAt < policy.rotationMs;
    if (fresh) return loaded!;
    // Concurrent callers share one load.
    loading ??= load().finally(() => {
      loading = undefined;
    });
    loaded = await loading;
    return loaded;
  }

  return {
    async signer(alg: SigningAlg = accessTokenAlg): Promise<{ kid: string; key: CryptoKey }> {
      const { kid, key } = (await current()).active[alg];
      return { kid, key };
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
    async rotate(): Promise<Record<SigningAlg, string>> {
      await addKeys(clock());
      const { active } = await current(true);
      return { ES256: active.ES256.kid, RS256: active.RS256.kid };
    },
  };
}
