import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';
import { createAppsRepository } from './apps-repository.js';
import { createSessionsRepository } from './sessions-repository.js';
import { createUsersRepository } from './users-repository.js';

export interface Store {
  readonly db: Kysely<Database>;
  readonly users: ReturnType<typeof createUsersRepository>;
  readonly sessions: ReturnType<typeof createSessionsRepository>;
  readonly apps: ReturnType<typeof createAppsRepository>;
  /** Cheap round trip for `/readyz`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

function openDialect(databaseUrl: string): SqliteDialect {
  if (databaseUrl === ':memory:' || databaseUrl === 'sqlite::memory:') {
    return new SqliteDialect({ database: new SQLite(':memory:') });
  }
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    mkdirSync(path.dirname(file), { recursive: true });
    const database = new SQLite(file);
    // WAL lets readers (the hot /api/me path) run while a sign-in writes.
    database.pragma('journal_mode = WAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    return new SqliteDialect({ database });
  }
  throw new Error(`Unsupported DATABASE_URL scheme: ${databaseUrl.split(':')[0] ?? ''}`);
}

/** Opens the database named by `databaseUrl`, runs pending migrations, and returns the repositories. */
export async function openStore(databaseUrl: string): Promise<Store> {
  const db = new Kysely<Database>({ dialect: openDialect(databaseUrl) });
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) {
    await db.destroy();
    throw error;
  }
  return {
    db,
    users: createUsersRepository(db),
    sessions: createSessionsRepository(db),
    apps: createAppsRepository(db),
    async ping() {
      await db.selectFrom('users').select('id').limit(1).execute();
    },
    close: () => db.destroy(),
  };
}
