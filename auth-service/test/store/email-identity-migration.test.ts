import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../src/store/migrations.js';
import { UniqueViolation } from '../../src/store/users-repository.js';
import { openStore, type Store } from '../../src/store/store.js';
import { dropSchema, postgresUrl } from './databases.js';

/** A database as releases before 0004 left it, and how the service opens it (running every migration). */
interface OldDatabase {
  /** Kysely on the raw driver, migrated up to 0003. */
  db: Kysely<unknown>;
  openStore(): Promise<Store>;
}

const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

const kinds: Array<[string, () => Promise<OldDatabase>]> = [
  [
    'SQLite',
    async () => {
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'userbox-email-')), 'old.sqlite');
      const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(file) }) });
      await migrateTo0003(db);
      return { db, openStore: () => openStore(`sqlite:${file}`) };
    },
  ],
  ...(postgresUrl === 'skip'
    ? []
    : ([
        [
          'PostgreSQL',
          async () => {
            const schema = `userbox_email_${randomBytes(6).toString('hex')}`;
            schemas.push(schema);
            const pool = new pg.Pool({ connectionString: postgresUrl, options: `-c search_path=${schema}` });
            const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
            await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(db);
            await migrateTo0003(db, schema);
            return { db, openStore: () => openStore(postgresUrl, { schema }) };
          },
        ],
      ] as Array<[string, () => Promise<OldDatabase>]>)),
];

async function migrateTo0003(db: Kysely<unknown>, schema?: string): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error } = await migrator.migrateTo('0003_session_time_zone');
  if (error) throw error;
}

async function insertOldUsers(db: Kysely<unknown>, emails: string[]): Promise<string[]> {
  const ids = emails.map(() => `u-${randomBytes(4).toString('hex')}`);
  for (const [i, email] of emails.entries()) {
    await sql`INSERT INTO users (id, email, name, picture, password_hash, created_at) VALUES (${ids[i]}, ${email}, 'Old', NULL, 'h', 1)`.execute(db);
  }
  return ids;
}

describe.each(kinds)('migration 0004_email_identity on %s', (_name, makeOldDatabase) => {
  it('refuses to start on emails that differ only in case, naming each of them, and changes nothing', async () => {
    const old = await makeOldDatabase();
    const emails = ['Bob@example.com', 'alice@example.com', 'bob@example.com', 'BOB@example.com', 'carol@example.com', 'Carol@example.com'];
    const ids = await insertOldUsers(old.db, emails);

    const error = (await old.openStore().then(
      () => undefined,
      (e: unknown) => e,
    )) as Error | undefined;
    expect(error?.message).toMatch(/differ only in case/);
    for (const i of [0, 2, 3, 4, 5]) {
      expect(error?.message).toContain(emails[i]);
      expect(error?.message).toContain(ids[i]);
    }
    expect(error?.message).not.toContain('alice@example.com');

    // Nothing was merged, renamed or half-migrated: every row is as it was, and the next start refuses alike.
    const rows = await sql<{ email: string }>`SELECT email FROM users`.execute(old.db);
    expect(rows.rows.map((r) => r.email).sort()).toEqual([...emails].sort());
    await expect(old.openStore()).rejects.toThrow(/differ only in case/);
    await old.db.destroy();
  });

  it('upgrades a database without collisions: old accounts are found under any casing and keep the address as typed', async () => {
    const old = await makeOldDatabase();
    const [dora] = await insertOldUsers(old.db, ['Dora.Explorer@example.com', 'eve@example.com']);
    await old.db.destroy();
    const store = await old.openStore();
    try {
      expect(await store.users.findByEmail('dora.explorer@EXAMPLE.com')).toMatchObject({ id: dora, email: 'Dora.Explorer@example.com' });
      await expect(
        store.users.insert({ id: 'u-new', email: 'Eve@example.com', name: 'E', picture: null, password_hash: 'h', created_at: 2, email_verified_at: null }),
      ).rejects.toBeInstanceOf(UniqueViolation);
    } finally {
      await store.close();
    }
  });
});
