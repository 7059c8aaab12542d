import type { Kysely, Selectable } from 'kysely';
import type { Database, EmailLinkPurpose, EmailLinksTable } from './schema.js';

export type EmailLinkRecord = Selectable<EmailLinksTable>;

/** The `email_links` table: mailed single-use links, by the hash of their token. */
export interface EmailLinksRepository {
  insert(link: EmailLinkRecord): Promise<void>;
  findByTokenHash(tokenHash: string): Promise<EmailLinkRecord | undefined>;
  /** Marks it used if nobody did yet; false when it was already used (two clicks at once: one wins). */
  markUsed(tokenHash: string, now: number): Promise<boolean>;
  /**
   * Deletes the user's unused links for these purposes (a newer link replaces them; a sign-in voids a reset).
   * Used ones stay until they expire, so following one again says "already used".
   */
  deleteForUser(userId: string, purposes: readonly EmailLinkPurpose[]): Promise<number>;
  deleteExpired(now: number): Promise<number>;
  /** A user's links without their hashes (the account export). */
  listByUser(userId: string): Promise<Array<Omit<EmailLinkRecord, 'token_hash' | 'user_id'>>>;
}

export function createEmailLinksRepository(db: Kysely<Database>): EmailLinksRepository {
  return {
    async insert(link) {
      await db.insertInto('email_links').values(link).execute();
    },
    findByTokenHash: (tokenHash) => db.selectFrom('email_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst(),
    async markUsed(tokenHash, now) {
      const result = await db
        .updateTable('email_links')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async deleteForUser(userId, purposes) {
      if (purposes.length === 0) return 0;
      const result = await db
        .deleteFrom('email_links')
        .where('user_id', '=', userId)
        .where('purpose', 'in', [...purposes])
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteExpired(now) {
      const result = await db.deleteFrom('email_links').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    listByUser: (userId) =>
      db
        .selectFrom('email_links')
        .select(['purpose', 'email', 'created_at', 'expires_at', 'used_at'])
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .execute(),
  };
}
