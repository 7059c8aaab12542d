import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openForSuite, testDatabases } from './databases.js';
import { UniqueViolation } from '../../src/store/users-repository.js';

// The same contract runs on both databases. PostgreSQL is the one on this machine (and in CI); each run gets
// its own schema, dropped afterwards, so runs never collide. USERBOX_TEST_POSTGRES_URL=skip leaves it out.
const databases = testDatabases('userbox_test');

function user(overrides: Partial<{ id: string; email: string }> = {}) {
  const id = overrides.id ?? `u-${randomBytes(4).toString('hex')}`;
  return { id, email: overrides.email ?? `${id}@example.test`, name: 'Ada', picture: null, password_hash: 'h', created_at: 1_700_000_000_000, email_verified_at: null };
}

function session(userId: string, overrides: Partial<{ id: string; token_hash: string; last_seen_at: number; expires_at: number }> = {}) {
  const id = overrides.id ?? `s-${randomBytes(4).toString('hex')}`;
  return {
    id,
    token_hash: overrides.token_hash ?? `th-${id}`,
    user_id: userId,
    created_at: 1_700_000_000_000,
    last_seen_at: overrides.last_seen_at ?? 1_700_000_000_000,
    expires_at: overrides.expires_at ?? 1_800_000_000_000,
    user_agent: 'UA',
    ip: '127.0.0.1',
    time_zone: 'Europe/Berlin',
    amr: 'pwd otp mfa',
  };
}

describe.each(databases)('store contract on $name', (database) => {
  const store = openForSuite(database);

  it('answers a ping after migrating', async () => {
    await expect(store().ping()).resolves.toBeUndefined();
  });

  it('stores a user and finds it by id and email; emails are unique', async () => {
    const u = user();
    await store().users.insert(u);
    expect(await store().users.findById(u.id)).toEqual(u);
    expect(await store().users.findByEmail(u.email)).toEqual(u);
    await expect(store().users.insert({ ...user(), email: u.email })).rejects.toBeInstanceOf(UniqueViolation);
  });

  it('treats an email as one identity whatever its case: found under any casing, a case variant is taken', async () => {
    const u = user({ email: `Bob.${randomBytes(4).toString('hex')}@example.test` });
    await store().users.insert(u);
    expect(await store().users.findByEmail(u.email.toLowerCase())).toEqual(u);
    expect(await store().users.findByEmail(u.email.toUpperCase())).toEqual(u);
    await expect(store().users.insert({ ...user(), email: u.email.toLowerCase() })).rejects.toBeInstanceOf(UniqueViolation);
    await expect(store().users.insert({ ...user(), email: u.email.toUpperCase() })).rejects.toBeInstanceOf(UniqueViolation);
  });

  it('keeps text verbatim: any script, quotes and SQL-looking strings', async () => {
    const u = { ...user(), name: `Robert'); DROP TABLE users;-- 李小龍 مريم 👩🏽‍💻` };
    await store().users.insert(u);
    expect((await store().users.findById(u.id))?.name).toBe(u.name);
  });

  it('finds a session with its user by token hash, with timestamps as numbers', async () => {
    const u = user();
    await store().users.insert(u);
    const s = session(u.id);
    await store().sessions.insert(s);
    const found = await store().sessions.findByTokenHash(s.token_hash);
    expect(found).toEqual({ ...s, user: u });
    expect(typeof found?.expires_at).toBe('number');
    expect(await store().sessions.findByTokenHash('nope')).toBeUndefined();
  });

  it('lists, touches and deletes a user’s sessions', async () => {
    const u = user();
    const other = user();
    await store().users.insert(u);
    await store().users.insert(other);
    const [a, b, c] = [session(u.id, { last_seen_at: 1 }), session(u.id, { last_seen_at: 2 }), session(u.id, { last_seen_at: 3 })];
    const theirs = session(other.id);
    for (const s of [a, b, c, theirs]) await store().sessions.insert(s);
    await store().sessions.touch(a, 10);
    expect((await store().sessions.listByUser(u.id)).map((s) => s.id)).toEqual([a.id, c.id, b.id]);

    expect(await store().sessions.deleteForUser(u.id, theirs.id)).toBe(false);
    expect(await store().sessions.deleteForUser(u.id, b.id)).toBe(true);
    expect(await store().sessions.deleteAllForUser(u.id, a.id)).toBe(1);
    expect((await store().sessions.listByUser(u.id)).map((s) => s.id)).toEqual([a.id]);
    expect(await store().sessions.deleteAllForUser(u.id)).toBe(1);
    expect(await store().sessions.listByUser(other.id)).toHaveLength(1);
  });

  it('renews a session in place: a new token hash, new times and amr, the same id; false when it is gone', async () => {
    const u = user();
    await store().users.insert(u);
    const s = session(u.id);
    await store().sessions.insert(s);
    expect(await store().sessions.renew(s, `${s.token_hash}-renewed`, 1_750_000_000_000, 1_850_000_000_000, 'pwd otp mfa')).toBe(true);
    expect(await store().sessions.findByTokenHash(s.token_hash)).toBeUndefined();
    expect(await store().sessions.findById(s.id)).toEqual({
      ...s,
      token_hash: `${s.token_hash}-renewed`,
      created_at: 1_750_000_000_000,
      last_seen_at: 1_750_000_000_000,
      expires_at: 1_850_000_000_000,
      amr: 'pwd otp mfa',
      user: u,
    });
    expect(await store().sessions.renew({ ...s, id: 'no-such-session' }, 'y', 1, 2, 'pwd')).toBe(false);
  });

  it('remembers which of a browser’s sessions an app used last, and forgets it with the session', async () => {
    const u = user();
    await store().users.insert(u);
    const [a, b, c] = [session(u.id), session(u.id), session(u.id)];
    for (const s of [a, b, c]) await store().sessions.insert(s);
    expect(await store().clientChoices.lastUsed(['news'], [a.id, b.id])).toBeUndefined();
    expect(await store().clientChoices.lastUsed(['news'], [])).toBeUndefined();
    await store().clientChoices.record(a.id, 'news', 1_000);
    await store().clientChoices.record(b.id, 'news', 2_000);
    await store().clientChoices.record(c.id, 'news', 3_000);
    await store().clientChoices.record(a.id, 'shop', 9_000);
    // Only among the sessions asked about (one browser's): c is another browser's.
    expect(await store().clientChoices.lastUsed(['news'], [a.id, b.id])).toBe(b.id);
    await store().clientChoices.record(a.id, 'news', 4_000);
    expect(await store().clientChoices.lastUsed(['news'], [a.id, b.id])).toBe(a.id);
    expect(await store().clientChoices.lastUsed(['shop'], [a.id, b.id])).toBe(a.id);
    expect(await store().clientChoices.lastUsed(['mail'], [a.id, b.id])).toBeUndefined();
    // Several clients of one app: the latest of any of them.
    expect(await store().clientChoices.lastUsed(['mail', 'shop', 'news'], [a.id, b.id])).toBe(a.id);
    expect(await store().clientChoices.lastUsed([], [a.id, b.id])).toBeUndefined();
    await store().sessions.deleteForUser(u.id, a.id);
    expect(await store().clientChoices.lastUsed(['news'], [a.id, b.id])).toBe(b.id);
  });

  it('replaces a session’s token hash in place: the same session under the new hash only', async () => {
    const u = user();
    await store().users.insert(u);
    const s = session(u.id);
    await store().sessions.insert(s);
    expect(await store().sessions.replaceToken(s.id, `${s.token_hash}-new`)).toEqual({ expires_at: s.expires_at });
    expect(await store().sessions.findByTokenHash(s.token_hash)).toBeUndefined();
    expect(await store().sessions.findByTokenHash(`${s.token_hash}-new`)).toEqual({ ...s, token_hash: `${s.token_hash}-new`, user: u });
    expect(await store().sessions.replaceToken('no-such-session', 'x')).toBeUndefined();
  });

  it('removes sessions past their absolute expiry', async () => {
    const u = user();
    await store().users.insert(u);
    const old = session(u.id, { expires_at: 5 });
    const fresh = session(u.id, { expires_at: 2_000_000_000_000 });
    await store().sessions.insert(old);
    await store().sessions.insert(fresh);
    expect(await store().sessions.deleteExpired(1_000)).toBeGreaterThanOrEqual(1);
    expect(await store().sessions.findByTokenHash(old.token_hash)).toBeUndefined();
    expect(await store().sessions.findByTokenHash(fresh.token_hash)).toBeDefined();
  });

  it('with seenBefore, also removes sessions idle since before it', async () => {
    const u = user();
    await store().users.insert(u);
    const idle = session(u.id, { last_seen_at: 10_000 });
    const active = session(u.id, { last_seen_at: 50_000 });
    await store().sessions.insert(idle);
    await store().sessions.insert(active);
    await store().sessions.deleteExpired(1_000, 20_000);
    expect(await store().sessions.findByTokenHash(idle.token_hash)).toBeUndefined();
    expect(await store().sessions.findByTokenHash(active.token_hash)).toBeDefined();
  });

  it('keeps which apps got tokens from a session, and hands those of ended sessions out once, per user or for all', async () => {
    const [a, b] = [user(), user()];
    await store().users.insert(a);
    await store().users.insert(b);
    const [a1, a2, b1] = [session(a.id), session(a.id), session(b.id)];
    for (const s of [a1, a2, b1]) await store().sessions.insert(s);
    const row = (s: { id: string; user_id: string }, client: string) => ({ session_id: s.id, client_id: client, user_id: s.user_id, created_at: 1 });
    await store().sessionClients.record(row(a1, 'mail'));
    await store().sessionClients.record(row(a1, 'mail'));
    await store().sessionClients.record(row(a1, 'docs'));
    await store().sessionClients.record(row(a2, 'mail'));
    await store().sessionClients.record(row(b1, 'mail'));
    expect(await store().sessionClients.takeEnded(a.id)).toEqual([]);

    await store().sessions.deleteByTokenHash(a1.token_hash);
    await store().users.delete(b.id);
    const taken = await store().sessionClients.takeEnded(a.id);
    expect(taken.sort((x, y) => x.client_id.localeCompare(y.client_id))).toEqual([
      { session_id: a1.id, client_id: 'docs', user_id: a.id },
      { session_id: a1.id, client_id: 'mail', user_id: a.id },
    ]);
    expect(await store().sessionClients.takeEnded(a.id)).toEqual([]);
    // Everyone's: the deleted user's session, and only that.
    expect((await store().sessionClients.takeEnded()).filter((r) => r.user_id === a.id || r.user_id === b.id)).toEqual([
      { session_id: b1.id, client_id: 'mail', user_id: b.id },
    ]);
  });

  it('upserts, orders and removes apps', async () => {
    await store().apps.upsert({ id: 'b', name: 'B', url: 'https://b.test/', icon: null, origins: ['https://b.test'], redirectUris: [], position: 2, confidential: false, idTokenSignedResponseAlg: 'ES256', hidden: false, jwks: null, backchannelLogoutUri: null, backchannelLogoutSessionRequired: true });
    await store().apps.upsert({ id: 'a', name: 'A', url: 'https://a.test/', icon: null, origins: ['https://a.test'], redirectUris: ['https://a.test/cb'], position: 1, confidential: false, idTokenSignedResponseAlg: 'ES256', hidden: false, jwks: null, backchannelLogoutUri: null, backchannelLogoutSessionRequired: true });
    await store().apps.upsert({ id: 'b', name: 'B2', url: 'https://b.test/', icon: 'https://b.test/i.svg', origins: ['https://b.test'], redirectUris: [], position: 2, confidential: false, idTokenSignedResponseAlg: 'ES256', hidden: false, jwks: null, backchannelLogoutUri: null, backchannelLogoutSessionRequired: true });
    const apps = await store().apps.list();
    expect(apps.map((a) => [a.id, a.name])).toEqual([['a', 'A'], ['b', 'B2']]);
    expect(apps[0]?.redirectUris).toEqual(['https://a.test/cb']);
    expect(apps[0]).toMatchObject({ privacyPolicyUrl: null, termsOfServiceUrl: null });
    await store().apps.upsert({ ...apps[0]!, privacyPolicyUrl: 'https://a.test/privacy', termsOfServiceUrl: 'https://a.test/terms' });
    expect((await store().apps.list())[0]).toMatchObject({ privacyPolicyUrl: 'https://a.test/privacy', termsOfServiceUrl: 'https://a.test/terms' });
    expect(await store().apps.remove('a')).toBe(true);
    expect(await store().apps.remove('a')).toBe(false);
  });

  it('keeps confidential clients and their secrets: the current one, the previous in its grace period, none past it', async () => {
    const id = `c-${randomBytes(4).toString('hex')}`;
    await store().apps.upsert({ id, name: 'C', url: 'https://c.test/', icon: null, origins: ['https://c.test'], redirectUris: [], position: 9, confidential: true, idTokenSignedResponseAlg: 'RS256', hidden: false, jwks: null, backchannelLogoutUri: null, backchannelLogoutSessionRequired: true });
    expect((await store().apps.list()).find((a) => a.id === id)).toMatchObject({ confidential: true, idTokenSignedResponseAlg: 'RS256', hidden: false, jwks: null, backchannelLogoutUri: null, backchannelLogoutSessionRequired: true });
    const t0 = 1_700_000_000_000;
    await store().clientSecrets.replace(id, 'h1', t0, t0 + 100);
    await store().clientSecrets.replace(id, 'h2', t0 + 10, t0 + 110);
    expect((await store().clientSecrets.listValid(id, t0 + 50)).map((s) => [s.secretHash, s.expiresAt])).toEqual([['h2', null], ['h1', t0 + 110]]);
    expect((await store().clientSecrets.listValid(id, t0 + 110)).map((s) => s.secretHash)).toEqual(['h2']);
    // The next replacement sweeps what has expired.
    await store().clientSecrets.replace(id, 'h3', t0 + 200, t0 + 300);
    expect(await store().db.selectFrom('client_secrets').select('secret_hash').where('client_id', '=', id).orderBy('secret_hash').execute()).toEqual([
      { secret_hash: 'h2' },
      { secret_hash: 'h3' },
    ]);
    expect(await store().apps.remove(id)).toBe(true);
    expect(await store().clientSecrets.listValid(id, t0)).toEqual([]);
  });

  it('records each private_key_jwt assertion once, and forgets it once expired', async () => {
    const t0 = 1_700_000_000_000;
    const id = `c-${randomBytes(4).toString('hex')}`;
    expect(await store().clientAssertions.use(id, 'j1', t0 + 100, t0)).toBe(true);
    expect(await store().clientAssertions.use(id, 'j1', t0 + 100, t0 + 1)).toBe(false);
    expect(await store().clientAssertions.use('other', 'j1', t0 + 100, t0 + 1)).toBe(true);
    expect(await store().clientAssertions.use(id, 'j1', t0 + 300, t0 + 100)).toBe(true);
  });

  it('keeps known devices by token hash: finds them, keeps the newest per user, ends them, and sweeps expired ones', async () => {
    const u = user();
    const other = user();
    await store().users.insert(u);
    await store().users.insert(other);
    const device = (userId: string, n: number, expiresAt = 2_000_000_000_000) => ({
      token_hash: `dh-${userId}-${n}`,
      user_id: userId,
      created_at: 1_700_000_000_000 + n,
      expires_at: expiresAt,
    });
    for (let n = 1; n <= 4; n++) await store().knownDevices.insert(device(u.id, n));
    await store().knownDevices.insert(device(other.id, 1, 5));

    const found = await store().knownDevices.findByTokenHashes([`dh-${u.id}-2`, `dh-${other.id}-1`, 'nope']);
    expect(found.map((d) => d.token_hash).sort()).toEqual([`dh-${u.id}-2`, `dh-${other.id}-1`].sort());
    expect(found.find((d) => d.user_id === u.id)).toEqual(device(u.id, 2));
    expect(await store().knownDevices.findByTokenHashes([])).toEqual([]);

    expect(await store().knownDevices.deleteAllButNewest(u.id, 2)).toBe(2);
    const left = await store().knownDevices.findByTokenHashes([1, 2, 3, 4].map((n) => `dh-${u.id}-${n}`));
    expect(left.map((d) => d.token_hash).sort()).toEqual([`dh-${u.id}-3`, `dh-${u.id}-4`]);
    await store().knownDevices.delete(`dh-${u.id}-3`);
    expect(await store().knownDevices.findByTokenHashes([`dh-${u.id}-3`])).toEqual([]);

    expect(await store().knownDevices.deleteExpired(1_000)).toBeGreaterThanOrEqual(1);
    expect(await store().knownDevices.findByTokenHashes([`dh-${other.id}-1`])).toEqual([]);
    expect(await store().knownDevices.deleteAllForUser(u.id)).toBe(1);
    expect(await store().knownDevices.findByTokenHashes([`dh-${u.id}-4`])).toEqual([]);
  });

  it('deleting a user deletes their known devices', async () => {
    const u = user();
    await store().users.insert(u);
    await store().knownDevices.insert({ token_hash: `dh-${u.id}`, user_id: u.id, created_at: 1, expires_at: 2_000_000_000_000 });
    await store().db.deleteFrom('users').where('id', '=', u.id).execute();
    expect(await store().knownDevices.findByTokenHashes([`dh-${u.id}`])).toEqual([]);
  });

  it('deleting a user deletes their sessions (ON DELETE CASCADE)', async () => {
    const u = user();
    await store().users.insert(u);
    const s = session(u.id);
    await store().sessions.insert(s);
    await store().db.deleteFrom('users').where('id', '=', u.id).execute();
    expect(await store().sessions.findByTokenHash(s.token_hash)).toBeUndefined();
    // The row itself, not only the join with users: a database without foreign keys keeps an orphan here.
    expect(await store().db.selectFrom('sessions').select('id').where('id', '=', s.id).execute()).toEqual([]);
  });

  it('refuses a session for a user that does not exist', async () => {
    await expect(store().sessions.insert(session(`u-missing-${randomBytes(4).toString('hex')}`))).rejects.toThrow(/foreign key/i);
  });

  it('deletes an account with all its rows in one transaction, and leaves other accounts alone', async () => {
    const [gone, kept] = [user(), user()];
    for (const u of [gone, kept]) {
      await store().users.insert(u);
      await store().sessions.insert(session(u.id));
      await store().knownDevices.insert({ token_hash: `kd-${u.id}`, user_id: u.id, created_at: 1, expires_at: 2_000_000_000_000 });
      await store().emailLinks.insert({ token_hash: `el-${u.id}`, user_id: u.id, purpose: 'verify_email', email: u.email, created_at: 1, expires_at: 2, used_at: null });
    }
    expect(await store().users.delete(gone.id)).toBe(true);
    expect(await store().users.findById(gone.id)).toBeUndefined();
    expect(await store().sessions.listByUser(gone.id)).toEqual([]);
    expect(await store().knownDevices.listByUser(gone.id)).toEqual([]);
    expect(await store().emailLinks.listByUser(gone.id)).toEqual([]);
    expect(await store().users.findById(kept.id)).toEqual(kept);
    expect(await store().sessions.listByUser(kept.id)).toHaveLength(1);
    expect(await store().emailLinks.listByUser(kept.id)).toHaveLength(1);
    expect(await store().users.delete(gone.id)).toBe(false);
  });

  it('marks an email link used once, however often it is asked', async () => {
    const u = user();
    await store().users.insert(u);
    await store().emailLinks.insert({ token_hash: `el-${u.id}`, user_id: u.id, purpose: 'reset_password', email: u.email, created_at: 1, expires_at: 2, used_at: null });
    const results = await Promise.all([1, 2, 3].map(() => store().emailLinks.markUsed(`el-${u.id}`, 5)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await store().emailLinks.findByTokenHash(`el-${u.id}`))?.used_at).toBe(5);
  });
});
