import type { Kysely, Selectable } from 'kysely';
import type { Database, RefreshTokensTable } from './schema.js';

export type RefreshTokenRecord = Selectable<RefreshTokensTable>;

export function createRefreshTokensRepository(db: Kysely<Database>) {
  return {
    async insert(token: RefreshTokenRecord): Promise<void> {
      await db.insertInto('refresh_tokens').values(token).execute();
    },
    /** Inserts the token unless one with its hash is stored already (a successor issued twice is one row). */
    async insertIfAbsent(token: RefreshTokenRecord): Promise<void> {
      await db
        .insertInto('refresh_tokens')
        .values(token)
        .onConflict((oc) => oc.column('token_hash').doNothing())
        .execute();
    },
    find: (tokenHash: string): Promise<RefreshTokenRecord | undefined> =>
      db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst(),
    /** Marks the token used if it was not; true for the one caller that did it (rotation is race-free). */
    async markUsed(tokenHash: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('refresh_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    /** Revokes a whole family (every token rotated from one authorization code). */
    async deleteFamily(familyId: string): Promise<number> {
      const result = await db.deleteFrom('refresh_tokens').where('family_id', '=', familyId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteExpired(before: number): Promise<number> {
      const result = await db.deleteFrom('refresh_tokens').where('expires_at', '<=', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
