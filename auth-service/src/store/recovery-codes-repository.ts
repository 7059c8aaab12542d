import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The `recovery_codes` table: a user's single-use codes, by their hash. */
export interface RecoveryCodesRepository {
  /** Replaces every code of the user with these (in one transaction: the old set stops working as the new one starts). */
  replaceAll(userId: string, codeHashes: readonly string[], now: number): Promise<void>;
  /** Marks the code used if it is the user's and unused (one statement, so it works once); false otherwise. */
  use(userId: string, codeHash: string, now: number): Promise<boolean>;
  countUnused(userId: string): Promise<number>;
  deleteAll(userId: string): Promise<void>;
}

export function createRecoveryCodesRepository(db: Kysely<Database>): RecoveryCodesRepository {
  return {
    async replaceAll(userId, codeHashes, now) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
        if (codeHashes.length > 0) {
          await trx
            .insertInto('recovery_codes')
            .values(codeHashes.map((code_hash) => ({ code_hash, user_id: userId, created_at: now, used_at: null })))
            .execute();
        }
      });
    },
    async use(userId, codeHash, now) {
      const result = await db
        .updateTable('recovery_codes')
        .set({ used_at: now })
        .where('code_hash', '=', codeHash)
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async countUnused(userId) {
      const row = await db
        .selectFrom('recovery_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async deleteAll(userId) {
      await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    },
  };
}
