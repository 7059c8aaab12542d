import type { Kysely, Selectable } from 'kysely';
import type { AuthorizationCodesTable, Database } from './schema.js';

export type AuthorizationCodeRecord = Selectable<AuthorizationCodesTable>;

export function createAuthorizationCodesRepository(db: Kysely<Database>) {
  return {
    async insert(code: AuthorizationCodeRecord): Promise<void> {
      await db.insertInto('authorization_codes').values(code).execute();
    },
    /**
     * Marks the code used and returns it, atomically: of two concurrent redemptions only one gets the row.
     * Undefined when the code is unknown or was used before (see `find`).
     */
    consume: (codeHash: string, now: number): Promise<AuthorizationCodeRecord | undefined> =>
      db
        .updateTable('authorization_codes')
        .set({ used_at: now })
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .returningAll()
        .executeTakeFirst(),
    find: (codeHash: string): Promise<AuthorizationCodeRecord | undefined> =>
      db.selectFrom('authorization_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst(),
    /** Removes codes expired before `before` (used ones are kept until then to recognise a replay). */
    async deleteExpired(before: number): Promise<number> {
      const result = await db.deleteFrom('authorization_codes').where('expires_at', '<=', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
