import type { Kysely, Selectable } from 'kysely';
import type { Database, WebauthnChallengesTable } from './schema.js';

export type WebauthnChallengeRecord = Selectable<WebauthnChallengesTable>;

/** The `webauthn_challenges` table: challenges given to browsers, by the hash of the browser's token. */
export interface WebauthnChallengesRepository {
  insert(row: WebauthnChallengeRecord): Promise<void>;
  /** Deletes and answers the challenge for this token and purpose: only one caller gets it, so it is used once. */
  take(tokenHash: string, purpose: string): Promise<WebauthnChallengeRecord | undefined>;
  deleteExpired(now: number): Promise<number>;
}

export function createWebauthnChallengesRepository(db: Kysely<Database>): WebauthnChallengesRepository {
  return {
    async insert(row) {
      await db.insertInto('webauthn_challenges').values(row).execute();
    },
    take: (tokenHash, purpose) =>
      db.deleteFrom('webauthn_challenges').where('token_hash', '=', tokenHash).where('purpose', '=', purpose).returningAll().executeTakeFirst(),
    async deleteExpired(now) {
      const result = await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
