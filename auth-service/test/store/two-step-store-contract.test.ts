import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openForSuite, testDatabases } from './databases.js';

const databases = testDatabases('userbox_test_two_step');

describe.each(databases)('two-step tables on $name', (database) => {
  const store = openForSuite(database);
  async function newUser(): Promise<string> {
    const id = `u-${randomBytes(4).toString('hex')}`;
    await store().users.insert({ id, email: `${id}@example.test`, name: 'Ada', picture: null, password_hash: 'h', created_at: 1, email_verified_at: null });
    return id;
  }

  it('keeps one unconfirmed secret, replaces it until confirmed, and refuses a new one after', async () => {
    const userId = await newUser();
    const { totpCredentials } = store();
    expect(await totpCredentials.saveUnconfirmed(userId, 'v1.a', 10)).toBe(true);
    expect(await totpCredentials.saveUnconfirmed(userId, 'v1.b', 20)).toBe(true);
    expect((await totpCredentials.find(userId))?.secret_encrypted).toBe('v1.b');
    expect(await totpCredentials.confirm(userId, 100, 30)).toBe(true);
    expect(await totpCredentials.confirm(userId, 101, 31)).toBe(false);
    expect(await totpCredentials.saveUnconfirmed(userId, 'v1.c', 40)).toBe(false);
    expect(await totpCredentials.find(userId)).toMatchObject({ secret_encrypted: 'v1.b', confirmed_at: 30, last_used_step: 100 });
  });

  it('accepts each time step once and never an older one', async () => {
    const userId = await newUser();
    const { totpCredentials } = store();
    expect(await totpCredentials.useStep(userId, 5)).toBe(false); // nothing confirmed yet
    await totpCredentials.saveUnconfirmed(userId, 'v1.a', 1);
    await totpCredentials.confirm(userId, 100, 2);
    expect(await totpCredentials.useStep(userId, 100)).toBe(false);
    const both = await Promise.all([totpCredentials.useStep(userId, 101), totpCredentials.useStep(userId, 101)]);
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(await totpCredentials.useStep(userId, 99)).toBe(false);
    expect(await totpCredentials.useStep(userId, 102)).toBe(true);
  });

  it('uses a recovery code once, only for its user, and a new set replaces the old', async () => {
    const userId = await newUser();
    const other = await newUser();
    const { recoveryCodes } = store();
    await recoveryCodes.replaceAll(userId, ['h1', 'h2', 'h3'], 1);
    expect(await recoveryCodes.use(other, 'h1', 2)).toBe(false);
    expect(await recoveryCodes.use(userId, 'h1', 2)).toBe(true);
    expect(await recoveryCodes.use(userId, 'h1', 3)).toBe(false);
    expect(await recoveryCodes.countUnused(userId)).toBe(2);
    await recoveryCodes.replaceAll(userId, ['h4'], 4);
    expect(await recoveryCodes.use(userId, 'h2', 5)).toBe(false);
    expect(await recoveryCodes.countUnused(userId)).toBe(1);
  });

  it('counts wrong codes on a pending sign-in, takes it once, and sweeps expired ones', async () => {
    const userId = await newUser();
    const { pendingSignIns } = store();
    const hash = `p-${randomBytes(4).toString('hex')}`;
    await pendingSignIns.insert({ token_hash: hash, user_id: userId, methods: 'pwd', created_at: 1, expires_at: 1000 });
    expect(await pendingSignIns.recordFailure(hash)).toBe(1);
    expect(await pendingSignIns.recordFailure(hash)).toBe(2);
    expect((await pendingSignIns.find(hash))?.failures).toBe(2);
    const taken = await Promise.all([pendingSignIns.take(hash), pendingSignIns.take(hash)]);
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(await pendingSignIns.recordFailure(hash)).toBe(0);
    const old = `p-${randomBytes(4).toString('hex')}`;
    await pendingSignIns.insert({ token_hash: old, user_id: userId, methods: 'pwd', created_at: 1, expires_at: 50 });
    expect(await pendingSignIns.deleteExpired(50)).toBeGreaterThanOrEqual(1);
    expect(await pendingSignIns.find(old)).toBeUndefined();
  });
});
