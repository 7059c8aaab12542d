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
/** The JWKS as the signing keys (ES256, RS256, in that order) and the set of retired ones. */
const published = (list: string[]) => ({ active: list.slice(0, 2), retired: new Set(list.slice(2)) });

describe('signing keys', () => {
  it('keeps the private keys encrypted at rest, one ES256 and one RS256', async () => {
    await supertest(t.app).get('/jwks.json').expect(200);
    const rows = await t.store.db.selectFrom('signing_keys').selectAll().orderBy('alg').execute();
    expect(rows.map((r) => r.alg)).toEqual(['ES256', 'RS256']);
    for (const row of rows) {
      expect(row.private_jwk_encrypted).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(row.private_jwk_encrypted).not.toContain('"d"');
      expect(JSON.parse(row.public_jwk).d).toBeUndefined();
    }
  });

  it('gives a store that has only an ES256 key (made before RS256) a new pair of both, keeping the old key published', async () => {
    const [old] = await kids(t);
    await t.store.db.deleteFrom('signing_keys').where('alg', '=', 'RS256').execute();
    const keys = createSigningKeys(t.store, t.secretKey, { rotationMs: 30 * day, tokenTtlMs: 600_000 }, () => t.now.value);
    const es = await keys.signer('ES256');
    const rs = await keys.signer('RS256');
    expect(es.kid).not.toBe(old);
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([es.kid, rs.kid, old]);
  });

  it('signs with a new key when SECRET_KEY has changed, keeping the old public key published', async () => {
    const before = await kids(t);
    const warnings: string[] = [];
    const other = createSigningKeys(t.store, Buffer.alloc(32, 9), { rotationMs: 30 * day, tokenTtlMs: 600_000 }, () => t.now.value, {
      warn: (_obj: unknown, msg?: string) => warnings.push(msg ?? ''),
    } as never);
    const { kid } = await other.signer();
    const rsa = await other.signer('RS256');
    expect(before).not.toContain(kid);
    expect(before).not.toContain(rsa.kid);
    expect(warnings).toEqual(['cannot decrypt the signing key: rotating to a new one']);
    const after = published((await other.jwks()).keys.map((k) => k.kid!));
    expect(after.active).toEqual([kid, rsa.kid]);
    expect(after.retired).toEqual(new Set(before));
  });

  it('rotates on schedule; the retired key stays published until its tokens expire, and still verifies them', async () => {
    const { tokens } = await signInWithCode(t);
    const firstSet = await kids(t);
    expect(decodeProtectedHeader(tokens.access_token).kid).toBe(firstSet[0]);

    t.now.value += t.config.oidc.keyRotationMs; // due now
    const next = await signInWithCode(t);
    const second = decodeProtectedHeader(next.tokens.access_token).kid;
    expect(firstSet).not.toContain(second);
    const rotated = published(await kids(t));
    expect(rotated.active[0]).toBe(second);
    expect(firstSet).not.toContain(rotated.active[1]);
    expect(rotated.retired).toEqual(new Set(firstSet));

    // The published JWKS still verifies what the retired key signed (the 30-day jump idled the session out, so
    // check the signature at the token's own time rather than through /userinfo).
    const jwks = createLocalJWKSet((await supertest(t.app).get('/jwks.json')).body);
    await expect(jwtVerify(tokens.access_token, jwks, { currentDate: new Date(t.now.value - t.config.oidc.keyRotationMs) })).resolves.toBeDefined();

    t.now.value += retiredKeyRetentionMs({ rotationMs: t.config.oidc.keyRotationMs, tokenTtlMs: t.config.oidc.tokenTtlMs });
    expect(await kids(t)).toEqual(rotated.active);
  });

  it('rotates on demand (the CLI), with both keys published meanwhile', async () => {
    const app = await createOidcTestApp();
    const { tokens } = await signInWithCode(app);
    const before = await kids(app);
    app.now.value += 1000;
    const keys = createSigningKeys(app.store, Buffer.alloc(32, 7), { rotationMs: 30 * day, tokenTtlMs: 600_000 }, () => app.now.value);
    const { ES256: kid, RS256: rsaKid } = await keys.rotate();
    app.now.value += 61_000; // instances re-read the keys every minute
    const after = published(await kids(app));
    expect(after.active).toEqual([kid, rsaKid]);
    expect(after.retired).toEqual(new Set(before));
    // Tokens signed before the rotation still work; new ones use the new key.
    await supertest(app.app).get('/userinfo').set('Authorization', `Bearer ${tokens.access_token}`).expect(200);
    const next = await signInWithCode(app);
    expect(decodeProtectedHeader(next.tokens.access_token).kid).toBe(kid);
  });
});

describe('npx userbox keys rotate', () => {
  it('adds a new signing key of each algorithm and retires the previous ones, which stay published', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'userbox-keys-'));
    const env = { ...process.env, DATABASE_URL: `sqlite:${path.join(dir, 'keys.sqlite')}`, SECRET_KEY: Buffer.alloc(32, 3).toString('hex') };
    const cli = path.resolve(import.meta.dirname, '../../bin/userbox.mjs');
    try {
      const first = execFileSync(process.execPath, [cli, 'keys', 'rotate'], { env, encoding: 'utf8' });
      const second = execFileSync(process.execPath, [cli, 'keys', 'rotate'], { env, encoding: 'utf8' });
      const kidsIn = (out: string) => /New signing keys ([\w-]+) \(ES256\) and ([\w-]+) \(RS256\)/.exec(out)?.slice(1, 3) ?? [];
      const [es1, rs1] = kidsIn(first);
      const [es2, rs2] = kidsIn(second);
      const store = await openStore(env.DATABASE_URL);
      try {
        const rows = await store.signingKeys.list();
        const state = (kid: string | undefined) => rows.find((r) => r.kid === kid)?.retired_at === null;
        expect(rows).toHaveLength(4);
        expect([state(es2), state(rs2), state(es1), state(rs1)]).toEqual([true, true, false, false]);
        const keys = createSigningKeys(store, Buffer.alloc(32, 3), { rotationMs: 30 * day, tokenTtlMs: 600_000 }, Date.now);
        expect((await keys.signer()).kid).toBe(es2);
        expect((await keys.signer('RS256')).kid).toBe(rs2);
        const jwks = published((await keys.jwks()).keys.map((k) => k.kid!));
        expect(jwks.active).toEqual([es2, rs2]);
        expect(jwks.retired).toEqual(new Set([es1, rs1]));
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000); // two CLI processes, each compiling TypeScript through tsx
});
