import type { Kysely, Selectable } from 'kysely';
import type { Database, PendingSignInsTable } from './schema.js';

export type PendingSignInRecord = Selectable<PendingSignInsTable>;

/** The `pending_sign_ins` table: sign-ins waiting for their second step, by the hash of the browser's token. */
export interface PendingSignInsRepository {
  insert(row: Omit<PendingSignInRecord, 'failures'>): Promise<void>;
  find(tokenHash: string): Promise<PendingSignInRecord | undefined>;
  /** Counts one wrong code; answers the count now (0 when it is gone). */
  recordFailure(tokenHash: string): Promise<number>;
  /** Deletes it; true only for the one caller that deleted it, so it completes once. */
  take(tokenHash: string): Promise<boolean>;
  deleteExpired(now: number): Promise<number>;
}

export function createPendingSignInsRepository(db: Kysely<Database>): PendingSignInsRepository {
  return {
    async insert(row) {
      await db.insertInto('pending_sign_ins').values(row).execute();
    },
    find: (tokenHash) => db.selectFrom('pending_sign_ins').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst(),
    async recordFailure(tokenHash) {
      const row = await db
        .updateTable('pending_sign_ins')
        .set((eb) => ({ failures: eb('failures', '+', 1) }))
        .where('token_hash', '=', tokenHash)
        .returning('failures')
        .executeTakeFirst();
      return row ? Number(row.failures) : 0;
    },
    async take(tokenHash) {
      const result = await db.deleteFrom('pending_sign_ins').where('token_hash', '=', tokenHash).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async deleteExpired(now) {
      const result = await db.deleteFrom('pending_sign_ins').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
