import type { Kysely, Selectable } from 'kysely';
import type { Database, SigningKeysTable } from './schema.js';

export type SigningKeyRecord = Selectable<SigningKeysTable>;

export function createSigningKeysRepository(db: Kysely<Database>) {
  return {
    /** Every key still kept (active and retired), newest first. */
    list: (): Promise<SigningKeyRecord[]> =>
      db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').orderBy('kid', 'desc').execute(),
    /** Adds `key` and retires every other active key, in one transaction. */
    async insertAndRetireOthers(key: SigningKeyRecord, now: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('signing_keys').set({ retired_at: now }).where('retired_at', 'is', null).execute();
        await trx.insertInto('signing_keys').values(key).execute();
      });
    },
    /** Deletes keys retired at or before `before`; returns how many went. */
    async deleteRetiredBefore(before: number): Promise<number> {
      const result = await db.deleteFrom('signing_keys').where('retired_at', '<=', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
