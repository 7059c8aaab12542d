import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openForSuite, testDatabases } from './databases.js';

const databases = testDatabases('userbox_test_passkeys');

describe.each(databases)('passkey tables on $name', (database) => {
  const store = openForSuite(database);
  async function newUser(): Promise<string> {
    const id = `u-${randomBytes(4).toString('hex')}`;
    await store().users.insert({ id, email: `${id}@example.test`, name: 'Ada', picture: null, password_hash: 'h', created_at: 1, email_verified_at: null });
    return id;
  }
  const passkey = (userId: string, id = `k-${randomBytes(4).toString('hex')}`) => ({
    id,
    user_id: userId,
    name: 'Phone',
    public_key: 'pk',
    counter: 0,
    transports: '["internal"]',
    device_type: 'singleDevice',
    backed_up: 0,
    created_at: 10,
    last_used_at: null,
  });

  it('stores, lists, renames and deletes a passkey, only for its user', async () => {
    const userId = await newUser();
    const other = await newUser();
    const row = passkey(userId);
    await store().passkeys.insert(row);
    expect(await store().passkeys.find(row.id)).toEqual(row);
    expect(await store().passkeys.listByUser(userId)).toEqual([row]);
    expect(await store().passkeys.rename(other, row.id, 'x')).toBe(false);
    expect(await store().passkeys.rename(userId, row.id, 'Laptop')).toBe(true);
    expect(await store().passkeys.delete(other, row.id)).toBe(false);
    expect(await store().passkeys.delete(userId, row.id)).toBe(true);
    expect(await store().passkeys.find(row.id)).toBeUndefined();
  });

  it('records a use only from the counter it read, so two racing uses cannot both count', async () => {
    const userId = await newUser();
    const row = passkey(userId);
    await store().passkeys.insert(row);
    const both = await Promise.all([store().passkeys.recordUse(row.id, 0, 1, 20), store().passkeys.recordUse(row.id, 0, 1, 21)]);
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(await store().passkeys.find(row.id)).toMatchObject({ counter: 1 });
  });

  it('hands a challenge out once, for its purpose only, and sweeps expired ones', async () => {
    const tokenHash = `t-${randomBytes(4).toString('hex')}`;
    await store().webauthnChallenges.insert({ token_hash: tokenHash, purpose: 'sign_in', user_id: null, challenge: 'c1', created_at: 1, expires_at: 100 });
    expect(await store().webauthnChallenges.take(tokenHash, 'register')).toBeUndefined();
    const taken = await Promise.all([store().webauthnChallenges.take(tokenHash, 'sign_in'), store().webauthnChallenges.take(tokenHash, 'sign_in')]);
    expect(taken.filter(Boolean)).toEqual([expect.objectContaining({ challenge: 'c1', expires_at: 100 })]);
    const old = `t-${randomBytes(4).toString('hex')}`;
    await store().webauthnChallenges.insert({ token_hash: old, purpose: 'sign_in', user_id: null, challenge: 'c2', created_at: 1, expires_at: 50 });
    expect(await store().webauthnChallenges.deleteExpired(50)).toBeGreaterThanOrEqual(1);
    expect(await store().webauthnChallenges.take(old, 'sign_in')).toBeUndefined();
  });
});
