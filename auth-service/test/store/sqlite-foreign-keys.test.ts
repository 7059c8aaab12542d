import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openStore } from '../../src/store/store.js';

// better-sqlite3 is built with SQLITE_DEFAULT_FOREIGN_KEYS=1, but a SQLite built another way (a system
// library, --build-from-source) starts every connection with foreign keys OFF, and then ON DELETE CASCADE
// silently does nothing. Open the store on such a connection: it must turn them on itself, for every kind of
// SQLite database it opens.
vi.mock('better-sqlite3', async (importOriginal) => {
  const { default: Real } = await importOriginal<{ default: typeof import('better-sqlite3') }>();
  class ForeignKeysOffByDefault extends Real {
    constructor(...args: ConstructorParameters<typeof Real>) {
      super(...args);
      this.pragma('foreign_keys = OFF');
    }
  }
  return { default: ForeignKeysOffByDefault };
});

const dir = mkdtempSync(path.join(tmpdir(), 'userbox-fk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const user = { id: 'u1', email: 'u1@example.test', name: 'Ada', picture: null, password_hash: 'h', created_at: 1_700_000_000_000, email_verified_at: null };
const session = (userId: string) => ({
  id: `s-${userId}`,
  token_hash: `th-${userId}`,
  user_id: userId,
  created_at: 1_700_000_000_000,
  last_seen_at: 1_700_000_000_000,
  expires_at: 1_800_000_000_000,
  user_agent: 'UA',
  ip: '127.0.0.1',
  time_zone: 'Europe/Berlin',
});

describe.each([
  { name: ':memory:', url: ':memory:' },
  { name: 'sqlite::memory:', url: 'sqlite::memory:' },
  { name: 'a file', url: `sqlite:${path.join(dir, 'fk.sqlite')}` },
])('SQLite on $name, where connections start with foreign keys off', ({ url }) => {
  it('deletes a user’s sessions with the user (ON DELETE CASCADE) and refuses orphans', async () => {
    const store = await openStore(url);
    try {
      await store.users.insert(user);
      await store.sessions.insert(session(user.id));
      await store.db.deleteFrom('users').where('id', '=', user.id).execute();
      expect(await store.db.selectFrom('sessions').select('id').execute()).toEqual([]);
      await expect(store.sessions.insert(session('nobody'))).rejects.toThrow(/FOREIGN KEY/);
    } finally {
      await store.close();
    }
  });
});
