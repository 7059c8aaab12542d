import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultOidcPolicy } from '../../src/config.js';
import { createSigningKeys, retiredKeyRetentionMs } from '../../src/oidc/signing-keys.js';
import { createOidcTestApp, signInWithCode, type OidcTestApp } from './oidc-test-app.js';

let t: OidcTestApp;
beforeEach(async () => {
  t = await createOidcTestApp();
});

const day = 86_400_000;
const kids = async (app: OidcTestApp) => ((await supertest(app.app).get('/jwks.json')).body as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);

describe('signing keys', () => {
  it('keeps the private key encrypted at rest', async () => {
    await supertest(t.app).get('/jwks.json').expect(200);
    const [row] = await t.store.db.selectFrom('signing_keys').selectAll().execute();
    expect(row!.private_jwk_encrypted).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(row!.private_jwk_encrypted).not.toContain('"d"');
    expect(JSON.parse(row!.public_jwk).d).toBeUndefined();
  });

  it('signs with a new key when SECRET_KEY has changed, keeping the old public key published', async () => {
    const before = await kids(t);
    const warnings: string[] = [];
    const other = createSigningKeys(t.store, Buffer.alloc(32, 9), { rotationMs: 30 * day, tokenTtlMs: 600_000 }, () => t.now.value, {
      warn: (_obj: unknown, msg?: string) => warnings.push(msg ?? ''),
    } as never);
    const { kid } = await other.signer();
    expect(before).not.toContain(kid);
    expect(warnings).toEqual(['cannot decrypt the signing key: rotating to a new one']);
    expect((await other.jwks()).keys.map((k) => k.kid)).toEqual([kid, ...before]);
  });

  it('rotates on schedule; the retired key stays published until its tokens expire, and still verifies them', async () => {
    const { tokens } = await signInWithCode(t);
    const [first] = await kids(t);
    expect(decodeProtectedHeader(tokens.access_token).kid).toBe(first);

    t.now.value += defaultOidcPolicy.keyRotationMs; // due now
    const next = await signInWithCode(t);
    const second = decodeProtectedHeader(next.tokens.access_token).kid;
    expect(second).not.toBe(first);
    expect(await kids(t)).toEqual([second, first]);

    // The published JWKS still verifies what the retired key signed (the 30-day jump idled the session out, so
    // check the signature at the token's own time rather than through /userinfo).
    const jwks = createLocalJWKSet((await supertest(t.app).get('/jwks.json')).body);
    await expect(jwtVerify(tokens.access_token, jwks, { currentDate: new Date(t.now.value - defaultOidcPolicy.keyRotationMs) })).resolves.toBeDefined();

    t.now.value += retiredKeyRetentionMs({ rotationMs: defaultOidcPolicy.keyRotationMs, tokenTtlMs: defaultOidcPolicy.tokenTtlMs });
    expect(await kids(t)).toEqual([second]);
  });

  it('rotates on demand (the CLI), with both keys published meanwhile', async () => {
    const app = await createOidcTestApp();
    const { tokens } = await signInWithCode(app);
    const before = await kids(app);
    app.now.value += 1000;
    const keys = createSigningKeys(app.store, Buffer.alloc(32, 7), { rotationMs: 30 * day, tokenTtlMs: 600_000 }, () => app.now.value);
    const kid = await keys.rotate();
    app.now.value += 61_000; // instances re-read the keys every minute
    expect(await kids(app)).toEqual([kid, ...before]);
    // Tokens signed before the rotation still work; new ones use the new key.
    await supertest(app.app).get('/userinfo').set('Authorization', `Bearer ${tokens.access_token}`).expect(200);
    const next = await signInWithCode(app);
    expect(decodeProtectedHeader(next.tokens.access_token).kid).toBe(kid);
  });
});
