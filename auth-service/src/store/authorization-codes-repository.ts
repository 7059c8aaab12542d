import type { Kysely, Selectable } from 'kysely';
import type { AuthorizationCodesTable, Database } from './schema.js';

export type AuthorizationCodeRecord = Selectable<AuthorizationCodesTable>;

/** The `authorization_codes` table: OAuth codes by their hash, kept after use until they expire. */
export interface AuthorizationCodesRepository {
  insert(code: AuthorizationCodeRecord): Promise<void>;
  /**
   * Marks the code used and returns it, atomically: of two concurrent redemptions only one gets the row.
   * Undefined when the code is unknown or was used before (see `find`).
   */
  consume(codeHash: string, now: number): Promise<AuthorizationCodeRecord | undefined>;
  find(codeHash: string): Promise<AuthorizationCodeRecord | undefined>;
  /** Removes codes expired before `before` (used ones are kept until then to recognise a replay). */
  deleteExpired(before: number): Promise<number>;
}

export function createAuthorizationCodesRepository(db: Kysely<Database>): AuthorizationCodesRepository {
  return {
    async insert(code) {
      await db.insertInto('authorization_codes').values(code).execute();
    },
    consume: (codeHash, now) =>
      db
        .updateTable('authorization_codes')
        .set({ used_at: now })
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .returningAll()
        .executeTakeFirst(),
    find: (codeHash) =>
      db.selectFrom('authorization_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst(),
    async deleteExpired(before) {
      const result = await db.deleteFrom('authorization_codes').where('expires_at', '<=', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
