import type { Kysely, Selectable } from 'kysely';
import type { Database, KnownDevicesTable } from './schema.js';

export type KnownDeviceRecord = Selectable<KnownDevicesTable>;

/** The `known_devices` table: browsers that signed in to an account, by the hash of their token. */
export interface KnownDevicesRepository {
  insert(device: KnownDeviceRecord): Promise<void>;
  /** The rows for these hashes (at most a handful: one per account a browser signed in to). */
  findByTokenHashes(tokenHashes: readonly string[]): Promise<KnownDeviceRecord[]>;
  delete(tokenHash: string): Promise<void>;
  /** Keeps the user's `keep` newest rows and deletes the rest; returns how many went. */
  deleteAllButNewest(userId: string, keep: number): Promise<number>;
  deleteAllForUser(userId: string): Promise<number>;
  deleteExpired(now: number): Promise<number>;
  /** A user's known devices without their hashes (the account export). */
  listByUser(userId: string): Promise<Array<Pick<KnownDeviceRecord, 'created_at' | 'expires_at'>>>;
}

export function createKnownDevicesRepository(db: Kysely<Database>): KnownDevicesRepository {
  return {
    async insert(device) {
      await db.insertInto('known_devices').values(device).execute();
    },
    async findByTokenHashes(tokenHashes) {
      if (tokenHashes.length === 0) return [];
      return db.selectFrom('known_devices').selectAll().where('token_hash', 'in', [...tokenHashes]).execute();
    },
    async delete(tokenHash) {
      await db.deleteFrom('known_devices').where('token_hash', '=', tokenHash).execute();
    },
    async deleteAllButNewest(userId, keep) {
      const newest = db
        .selectFrom('known_devices')
        .select('token_hash')
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('token_hash')
        .limit(keep);
      const result = await db
        .deleteFrom('known_devices')
        .where('user_id', '=', userId)
        .where('token_hash', 'not in', newest)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteAllForUser(userId) {
      const result = await db.deleteFrom('known_devices').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteExpired(now) {
      const result = await db.deleteFrom('known_devices').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    listByUser: (userId) =>
      db.selectFrom('known_devices').select(['created_at', 'expires_at']).where('user_id', '=', userId).orderBy('created_at').execute(),
  };
}
