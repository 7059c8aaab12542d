import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openForSuite, testDatabases } from './databases.js';

// The OIDC tables' contract, on both databases, like store-contract.test.ts (its own schema per run).
const databases = testDatabases('userbox_oidc_test');

const t0 = 1_800_000_000_000;

describe.each(databases)('OIDC store contract on $name', (database) => {
  const store = openForSuite(database);

  async function userWithSession() {
    const id = `u-${randomBytes(4).toString('hex')}`;
    await store().users.insert({ id, email: `${id}@example.test`, name: 'Ada', picture: null, password_hash: 'h', created_at: t0, email_verified_at: null });
    const session = {
      id: `s-${randomBytes(4).toString('hex')}`,
      token_hash: `th-${randomBytes(4).toString('hex')}`,
      user_id: id,
      created_at: t0,
      last_seen_at: t0 + 5,
      expires_at: t0 + 1_000_000,
      user_agent: 'UA',
      ip: '127.0.0.1',
      time_zone: null,
    };
    await store().sessions.insert(session);
    return { userId: id, session };
  }

  function refreshToken(userId: string, sessionId: string, overrides: Partial<{ token_hash: string; family_id: string; expires_at: number }> = {}) {
    return {
      token_hash: overrides.token_hash ?? `rt-${randomBytes(6).toString('hex')}`,
      family_id: overrides.family_id ?? `f-${randomBytes(4).toString('hex')}`,
      client_id: 'news',
      user_id: userId,
      session_id: sessionId,
      scope: 'openid profile',
      auth_time: t0,
      created_at: t0,
      expires_at: overrides.expires_at ?? t0 + 1_000_000,
      used_at: null,
    };
  }

  it('keeps signing keys newest first and retires the others when one is added', async () => {
    const key = (kid: string, createdAt: number, alg = 'ES256') => ({
      kid,
      alg,
      public_jwk: `{"kid":"${kid}"}`,
      private_jwk_encrypted: 'v1.x.y.z',
      created_at: createdAt,
      retired_at: null,
    });
    await store().signingKeys.insertAndRetireOthers([key('k1', t0), key('k1r', t0, 'RS256')], t0);
    await store().signingKeys.insertAndRetireOthers([key('k2', t0 + 10), key('k2r', t0 + 10, 'RS256')], t0 + 10);
    const keys = await store().signingKeys.list();
    expect(keys.map((k) => [k.kid, k.alg, k.retired_at])).toEqual([
      ['k2r', 'RS256', null],
      ['k2', 'ES256', null],
      ['k1r', 'RS256', t0 + 10],
      ['k1', 'ES256', t0 + 10],
    ]);
    expect(typeof keys[0]?.created_at).toBe('number');
    expect(await store().signingKeys.deleteRetiredBefore(t0 + 9)).toBe(0);
    expect(await store().signingKeys.deleteRetiredBefore(t0 + 10)).toBe(2);
    expect((await store().signingKeys.list()).map((k) => k.kid)).toEqual(['k2r', 'k2']);
  });

  it('lets exactly one caller consume an authorization code', async () => {
    const { userId, session } = await userWithSession();
    const code = {
      code_hash: `c-${randomBytes(6).toString('hex')}`,
      client_id: 'news',
      redirect_uri: 'https://news.example.test/callback',
      user_id: userId,
      session_id: session.id,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      scope: 'openid',
      nonce: null,
      auth_time: t0,
      family_id: 'fam',
      expires_at: t0 + 60_000,
      used_at: null,
    };
    await store().authorizationCodes.insert(code);
    const results = await Promise.all([
      store().authorizationCodes.consume(code.code_hash, t0 + 1),
      store().authorizationCodes.consume(code.code_hash, t0 + 1),
    ]);
    expect(results.filter(Boolean)).toEqual([{ ...code, used_at: t0 + 1 }]);
    expect(await store().authorizationCodes.consume(code.code_hash, t0 + 2)).toBeUndefined();
    expect(await store().authorizationCodes.find(code.code_hash)).toEqual({ ...code, used_at: t0 + 1 });
    expect(await store().authorizationCodes.deleteExpired(t0 + 60_000)).toBeGreaterThanOrEqual(1);
    expect(await store().authorizationCodes.find(code.code_hash)).toBeUndefined();
  });

  it('marks a refresh token used once, and deletes a family or expired tokens', async () => {
    const { userId, session } = await userWithSession();
    const a = refreshToken(userId, session.id, { family_id: 'fam-a' });
    const b = refreshToken(userId, session.id, { family_id: 'fam-a' });
    const other = refreshToken(userId, session.id, { family_id: 'fam-b', expires_at: t0 + 10 });
    for (const r of [a, b, other]) await store().refreshTokens.insert(r);
    expect(await store().refreshTokens.find(a.token_hash)).toEqual(a);
    expect(await store().refreshTokens.markUsed(a.token_hash, t0 + 1)).toBe(true);
    expect(await store().refreshTokens.markUsed(a.token_hash, t0 + 2)).toBe(false);
    expect((await store().refreshTokens.find(a.token_hash))?.used_at).toBe(t0 + 1);
    expect(await store().refreshTokens.deleteFamily('fam-a')).toBe(2);
    expect(await store().refreshTokens.find(b.token_hash)).toBeUndefined();
    expect(await store().refreshTokens.deleteExpired(t0 + 10)).toBeGreaterThanOrEqual(1);
    expect(await store().refreshTokens.find(other.token_hash)).toBeUndefined();
  });

  it('deletes every refresh token of one user for one client, and no other', async () => {
    const { userId, session } = await userWithSession();
    const news = [refreshToken(userId, session.id), refreshToken(userId, session.id)];
    const shop = { ...refreshToken(userId, session.id), client_id: 'shop' };
    for (const r of [...news, shop]) await store().refreshTokens.insert(r);
    expect(await store().refreshTokens.deleteByUserAndClient(userId, 'news')).toBe(2);
    expect(await store().refreshTokens.find(news[0]!.token_hash)).toBeUndefined();
    expect(await store().refreshTokens.find(shop.token_hash)).toEqual(shop);
  });

  it('inserts a refresh token only if its hash is not stored yet, leaving the stored one as it is', async () => {
    const { userId, session } = await userWithSession();
    const first = refreshToken(userId, session.id);
    await store().refreshTokens.insertIfAbsent(first);
    await store().refreshTokens.markUsed(first.token_hash, t0 + 1);
    await Promise.all([1, 2].map(() => store().refreshTokens.insertIfAbsent({ ...first, created_at: t0 + 5 })));
    expect(await store().refreshTokens.find(first.token_hash)).toEqual({ ...first, used_at: t0 + 1 });
  });

  it('finds a token’s session by id with its user', async () => {
    const { userId, session } = await userWithSession();
    const found = await store().sessions.findById(session.id);
    expect(found).toMatchObject({ ...session, user: { id: userId, name: 'Ada' } });
    expect(typeof found?.last_seen_at).toBe('number');
    expect(await store().sessions.findById('nope')).toBeUndefined();
  });
});
