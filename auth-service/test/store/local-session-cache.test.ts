import { describe, expect, it } from 'vitest';
import { withLocalSessionCache } from '../../src/store/local-session-cache.js';
import { openStore, type Store } from '../../src/store/store.js';

describe('in-process session cache', () => {
  it('does not keep a lookup that raced a sign-out', async () => {
    const base = await openStore(':memory:');
    await base.users.insert({ id: 'u1', email: 'a@example.test', name: 'A', picture: null, password_hash: 'h', created_at: 1, email_verified_at: null });
    await base.sessions.insert({ id: 's1', token_hash: 'th1', user_id: 'u1', created_at: 1, last_seen_at: 1, expires_at: 9e12, user_agent: '', ip: '', time_zone: null });
    // A database that answers the lookup only after the sign-out below has gone through.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow = { ...base, sessions: { ...base.sessions, findByTokenHash: async (h: string) => {
      const found = await base.sessions.findByTokenHash(h);
      await gate;
      return found;
    } } };
    const store = withLocalSessionCache(slow, { clock: () => 0 });
    const racing = store.sessions.findByTokenHash('th1');
    await store.sessions.deleteByTokenHash('th1');
    release();
    expect(await racing).toBeDefined(); // it read before the delete…
    expect(await store.sessions.findByTokenHash('th1')).toBeUndefined(); // …but was not cached
    await base.close();
  });

  it('serves a hit without the database until its time is up', async () => {
    const base = await openStore(':memory:');
    await base.users.insert({ id: 'u1', email: 'a@example.test', name: 'A', picture: null, password_hash: 'h', created_at: 1, email_verified_at: null });
    await base.sessions.insert({ id: 's1', token_hash: 'th1', user_id: 'u1', created_at: 1, last_seen_at: 1, expires_at: 9e12, user_agent: '', ip: '', time_zone: null });
    let reads = 0;
    const counted = { ...base, sessions: { ...base.sessions, findByTokenHash: (h: string) => ((reads += 1), base.sessions.findByTokenHash(h)) } };
    const now = { value: 0 };
    const store = withLocalSessionCache(counted, { ttlMs: 1000, clock: () => now.value });
    await store.sessions.findByTokenHash('th1');
    await store.sessions.findByTokenHash('th1');
    expect(reads).toBe(1);
    now.value = 1001;
    await store.sessions.findByTokenHash('th1');
    expect(reads).toBe(2);
    await base.close();
  });
});

describe('in-process session cache invalidation', () => {
  async function setUp(): Promise<{ base: Store; store: Store }> {
    const base = await openStore(':memory:');
    await base.users.insert({ id: 'u1', email: 'a@example.test', name: 'A', picture: null, password_hash: 'h', created_at: 1, email_verified_at: null });
    for (const n of [1, 2]) {
      await base.sessions.insert({ id: `s${n}`, token_hash: `th${n}`, user_id: 'u1', created_at: 1, last_seen_at: 1, expires_at: 9e12, user_agent: '', ip: '', time_zone: null });
    }
    const store = withLocalSessionCache(base, { clock: () => 0 });
    // Both sessions looked up once, so both are cached before each change.
    await store.sessions.findByTokenHash('th1');
    await store.sessions.findByTokenHash('th2');
    return { base, store };
  }

  it.each([
    ['deleteByTokenHash', (s: Store): Promise<unknown> => s.sessions.deleteByTokenHash('th1'), ['th1']],
    ['deleteForUser', (s: Store): Promise<unknown> => s.sessions.deleteForUser('u1', 's2'), ['th2']],
    ['deleteAllForUser', (s: Store): Promise<unknown> => s.sessions.deleteAllForUser('u1'), ['th1', 'th2']],
    ['deleteAllForUser keeping one', (s: Store): Promise<unknown> => s.sessions.deleteAllForUser('u1', 's1'), ['th2']],
    ['deleteExpired', async (s: Store): Promise<unknown> => void (await s.sessions.deleteExpired(1e13)), ['th1', 'th2']],
  ] as const)('%s drops the cached copies at once', async (_name, change, gone) => {
    const { base, store } = await setUp();
    await change(store);
    for (const hash of ['th1', 'th2']) {
      const found = await store.sessions.findByTokenHash(hash);
      expect(found === undefined, hash).toBe((gone as readonly string[]).includes(hash));
    }
    await base.close();
  });

  it('a profile change and a touch show on the next lookup', async () => {
    const { base, store } = await setUp();
    await store.users.update('u1', { name: 'Renamed' });
    expect((await store.sessions.findByTokenHash('th1'))?.user.name).toBe('Renamed');
    await store.sessions.touch({ id: 's2', token_hash: 'th2', user_id: 'u1' }, 500);
    expect((await store.sessions.findByTokenHash('th2'))?.last_seen_at).toBe(500);
    await base.close();
  });

  it('forgets the old token of a session at once when its token is replaced', async () => {
    const base = await openStore(':memory:');
    await base.users.insert({ id: 'u1', email: 'a@example.test', name: 'A', picture: null, password_hash: 'h', created_at: 1, email_verified_at: null });
    await base.sessions.insert({ id: 's1', token_hash: 'th1', user_id: 'u1', created_at: 1, last_seen_at: 1, expires_at: 9e12, user_agent: '', ip: '', time_zone: null });
    const store = withLocalSessionCache(base, { clock: () => 0 });
    expect(await store.sessions.findByTokenHash('th1')).toBeDefined(); // cached now
    expect(await store.sessions.replaceToken('s1', 'th2')).toEqual({ expires_at: 9e12 });
    expect(await store.sessions.findByTokenHash('th1')).toBeUndefined();
    expect((await store.sessions.findByTokenHash('th2'))?.id).toBe('s1');
    await base.close();
  });
});
