import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/store.js';

export const postgresUrl = process.env['USERBOX_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  name: string;
  open: () => Promise<Store>;
  cleanup?: () => Promise<void>;
}

/**
 * The databases a contract suite runs on: SQLite always, and the PostgreSQL of this machine (and CI) in a
 * schema of its own per suite and run, dropped afterwards. USERBOX_TEST_POSTGRES_URL=skip leaves it out.
 */
export function testDatabases(prefix: string): TestDatabase[] {
  const databases: TestDatabase[] = [{ name: 'SQLite', open: () => openStore(':memory:') }];
  if (postgresUrl === 'skip') return databases;
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  databases.push({
    name: 'PostgreSQL',
    open: () => openStore(postgresUrl, { schema }),
    cleanup: async () => {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  });
  return databases;
}
