import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSigningKeys, retiredKeyRetentionMs } from '../../src/services/signing-keys.js';
import { openStore } from '../../src/store/store.js';
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

    t.now.value += t.config.oidc.keyRotationMs; // due now
    const next = await signInWithCode(t);
    const second = decodeProtectedHeader(next.tokens.access_token).kid;
    expect(second).not.toBe(first);
    expect(await kids(t)).toEqual([second, first]);

    // The published JWKS still verifies what the retired key signed (the 30-day jump idled the session out, so
    // check the signature at the token's own time rather than through /userinfo).
    const jwks = createLocalJWKSet((await supertest(t.app).get('/jwks.json')).body);
    await expect(jwtVerify(tokens.access_token, jwks, { currentDate: new Date(t.now.value - t.config.oidc.keyRotationMs) })).resolves.toBeDefined();

    t.now.value += retiredKeyRetentionMs({ rotationMs: t.config.oidc.keyRotationMs, tokenTtlMs: t.config.oidc.tokenTtlMs });
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

describe('npx userbox keys rotate', () => {
  it('adds a new signing key and retires the previous one, which stays published', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'userbox-keys-'));
    const env = { ...process.env, DATABASE_URL: `sqlite:${path.join(dir, 'keys.sqlite')}`, SECRET_KEY: Buffer.alloc(32, 3).toString('hex') };
    const cli = path.resolve(import.meta.dirname, '../../bin/userbox.mjs');
    try {
      const first = execFileSync(process.execPath, [cli, 'keys', 'rotate'], { env, encoding: 'utf8' });
      const second = execFileSync(process.execPath, [cli, 'keys', 'rotate'], { env, encoding: 'utf8' });
      const kid = (out: string) => /New signing key ([\w-]+)/.exec(out)?.[1];
      const store = await openStore(env.DATABASE_URL);
      try {
        const rows = await store.signingKeys.list();
        expect(rows.map((r) => [r.kid, r.retired_at === null])).toEqual([
          [kid(second), true],
          [kid(first), false],
        ]);
        const keys = createSigningKeys(store, Buffer.alloc(32, 3), { rotationMs: 30 * day, tokenTtlMs: 600_000 }, Date.now);
        expect((await keys.signer()).kid).toBe(kid(second));
        expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([kid(second), kid(first)]);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000); // two CLI processes, each compiling TypeScript through tsx
});
