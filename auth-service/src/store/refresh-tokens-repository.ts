import type { Kysely, Selectable } from 'kysely';
import type { Database, RefreshTokensTable } from './schema.js';

export type RefreshTokenRecord = Selectable<RefreshTokensTable>;

/** The `refresh_tokens` table: OAuth refresh tokens by their hash, in families rotated from one code. */
export interface RefreshTokensRepository {
  insert(token: RefreshTokenRecord): Promise<void>;
  /** Inserts the token unless one with its hash is stored already (a successor issued twice is one row). */
  insertIfAbsent(token: RefreshTokenRecord): Promise<void>;
  find(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /** Marks the token used if it was not; true for the one caller that did it (rotation is race-free). */
  markUsed(tokenHash: string, now: number): Promise<boolean>;
  /** Revokes a whole family (every token rotated from one authorization code); returns how many went. */
  deleteFamily(familyId: string): Promise<number>;
  deleteExpired(before: number): Promise<number>;
  /** Revokes every token a user holds for one client (FedCM's disconnect); returns how many went. */
  deleteByUserAndClient(userId: string, clientId: string): Promise<number>;
  /** A user's tokens without their hashes, oldest first: which apps they used and when (the account export). */
  listByUser(userId: string): Promise<Array<Pick<RefreshTokenRecord, 'client_id' | 'scope' | 'created_at' | 'expires_at' | 'used_at'>>>;
}

export function createRefreshTokensRepository(db: Kysely<Database>): RefreshTokensRepository {
  return {
    async insert(token) {
      await db.insertInto('refresh_tokens').values(token).execute();
    },
    async insertIfAbsent(token) {
      await db
        .insertInto('refresh_tokens')
        .values(token)
        .onConflict((oc) => oc.column('token_hash').doNothing())
        .execute();
    },
    find: (tokenHash) =>
      db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst(),
    async markUsed(tokenHash, now) {
      const result = await db
        .updateTable('refresh_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async deleteFamily(familyId) {
      const result = await db.deleteFrom('refresh_tokens').where('family_id', '=', familyId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteExpired(before) {
      const result = await db.deleteFrom('refresh_tokens').where('expires_at', '<=', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteByUserAndClient(userId, clientId) {
      const result = await db.deleteFrom('refresh_tokens').where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    listByUser: (userId) =>
      db
        .selectFrom('refresh_tokens')
        .select(['client_id', 'scope', 'created_at', 'expires_at', 'used_at'])
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .execute(),
  };
}
