import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { openStore, type Store } from '../../src/store/store.js';

export const postgresUrl = process.env['USERBOX_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  name: string;
  open: () => Promise<Store>;
  cleanup?: () => Promise<void>;
}

/** Drops a schema a test made in the PostgreSQL of this machine (and CI), with all it holds. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  // A service process on this schema keeps its job queue (pg-boss) beside it, in `<schema>_jobs` (server.ts).
  await client.query(`DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
  await client.end();
}

/** The PostgreSQL of this machine (and CI), in a schema of its own per suite and run, dropped afterwards. */
export function postgresDatabase(prefix: string): TestDatabase {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  return { name: 'PostgreSQL', open: () => openStore(postgresUrl, { schema }), cleanup: () => dropSchema(schema) };
}

/**
 * The databases a contract suite runs on: SQLite always, and the PostgreSQL of this machine (and CI) in a
 * schema of its own per suite and run, dropped afterwards. USERBOX_TEST_POSTGRES_URL=skip leaves it out.
 */
export function testDatabases(prefix: string): TestDatabase[] {
  const sqlite: TestDatabase = { name: 'SQLite', open: () => openStore(':memory:') };
  return postgresUrl === 'skip' ? [sqlite] : [sqlite, postgresDatabase(prefix)];
}

/**
 * Opens `database` before the tests of the suite that calls this, and closes (and drops) it after them.
 * Returns the open store, for the tests and later hooks.
 */
export function openForSuite(database: TestDatabase): () => Store {
  let store: Store | undefined;
  beforeAll(async () => {
    store = await database.open();
  });
  afterAll(async () => {
    await store?.close();
    await database.cleanup?.();
  });
  return () => {
    if (!store) throw new Error('the store opens in beforeAll: read it inside a test or a later hook');
    return store;
  };
}
