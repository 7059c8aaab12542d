import type { Kysely, Selectable } from 'kysely';
import type { Database, PasskeysTable } from './schema.js';

export type PasskeyRecord = Selectable<PasskeysTable>;

/** The `passkeys` table: WebAuthn credentials, by their credential id. */
export interface PasskeysRepository {
  insert(passkey: PasskeyRecord): Promise<void>;
  find(id: string): Promise<PasskeyRecord | undefined>;
  /** A user's passkeys, oldest first. */
  listByUser(userId: string): Promise<PasskeyRecord[]>;
  /**
   * Records a use: the new counter and when. Only if the stored counter is still `previousCounter` (one statement),
   * so two sign-ins racing with the same response cannot both count.
   */
  recordUse(id: string, previousCounter: number, counter: number, now: number): Promise<boolean>;
  rename(userId: string, id: string, name: string): Promise<boolean>;
  delete(userId: string, id: string): Promise<boolean>;
}

export function createPasskeysRepository(db: Kysely<Database>): PasskeysRepository {
  return {
    async insert(passkey) {
      await db.insertInto('passkeys').values(passkey).execute();
    },
    find: (id) => db.selectFrom('passkeys').selectAll().where('id', '=', id).executeTakeFirst(),
    listByUser: (userId) => db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute(),
    async recordUse(id, previousCounter, counter, now) {
      const result = await db
        .updateTable('passkeys')
        .set({ counter, last_used_at: now })
        .where('id', '=', id)
        .where('counter', '=', previousCounter)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async rename(userId, id, name) {
      const result = await db.updateTable('passkeys').set({ name }).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async delete(userId, id) {
      const result = await db.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
