import type SQLite from 'better-sqlite3';
import type pg from 'pg';

/**
 * Runs one read-only compiled query straight on the driver, skipping Kysely's executor (a chain of promises
 * and plugin passes that costs more than the query). Only for the hottest read; `undefined` means "use Kysely".
 */
export type DirectRead = (sql: string, parameters: readonly unknown[]) => Promise<unknown[]> | undefined;

export function sqliteDirectRead(database: SQLite.Database): DirectRead {
  // Inside a Kysely transaction the connection is Kysely's; wait for it like every other query.
  return (source, parameters) => (database.inTransaction ? undefined : Promise.resolve(database.prepare(source).all(...parameters)));
}

export function postgresDirectRead(pool: pg.Pool): DirectRead {
  // Named statements are parsed once per connection by PostgreSQL.
  const names = new Map<string, string>();
  return async (text, values) => {
    let name = names.get(text);
    if (!name) names.set(text, (name = `userbox_${names.size}`));
    return (await pool.query({ name, text, values: [...values] })).rows;
  };
}
