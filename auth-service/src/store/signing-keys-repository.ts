import type { Kysely, Selectable } from 'kysely';
import type { Database, SigningKeysTable } from './schema.js';

export type SigningKeyRecord = Selectable<SigningKeysTable>;

/** The `signing_keys` table: the provider's JWT signing keys, the private halves encrypted. */
export interface SigningKeysRepository {
  /** Every key still kept (active and retired), newest first. */
  list(): Promise<SigningKeyRecord[]>;
  /** Adds `keys` (one per algorithm, rotated together) and retires every other active key, in one transaction. */
  insertAndRetireOthers(keys: SigningKeyRecord[], now: number): Promise<void>;
  /** Deletes keys retired at or before `before`; returns how many went. */
  deleteRetiredBefore(before: number): Promise<number>;
}

export function createSigningKeysRepository(db: Kysely<Database>): SigningKeysRepository {
  return {
    list: () =>
      db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').orderBy('kid', 'desc').execute(),
    async insertAndRetireOthers(keys, now) {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('signing_keys').set({ retired_at: now }).where('retired_at', 'is', null).execute();
        await trx.insertInto('signing_keys').values(keys).execute();
      });
    },
    async deleteRetiredBefore(before) {
      const result = await db.deleteFrom('signing_keys').where('retired_at', '<=', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
