import type { Kysely, Selectable } from 'kysely';
import type { Database, TotpCredentialsTable } from './schema.js';

export type TotpCredentialRecord = Selectable<TotpCredentialsTable>;

/** The `totp_credentials` table: at most one authenticator app per user. */
export interface TotpCredentialsRepository {
  find(userId: string): Promise<TotpCredentialRecord | undefined>;
  /** Stores a new, unconfirmed secret in place of an unconfirmed one; false when a confirmed one exists. */
  saveUnconfirmed(userId: string, secretEncrypted: string, now: number): Promise<boolean>;
  /** Confirms the unconfirmed secret with the step of its first code; false when there is none to confirm. */
  confirm(userId: string, step: number, now: number): Promise<boolean>;
  /**
   * Records `step` as used, only if it is later than the last one used (one statement, so two requests with the
   * same code cannot both pass); false when the code was already used or there is no confirmed secret.
   */
  useStep(userId: string, step: number): Promise<boolean>;
  delete(userId: string): Promise<void>;
}

export function createTotpCredentialsRepository(db: Kysely<Database>): TotpCredentialsRepository {
  return {
    find: (userId) => db.selectFrom('totp_credentials').selectAll().where('user_id', '=', userId).executeTakeFirst(),
    async saveUnconfirmed(userId, secretEncrypted, now) {
      await db.deleteFrom('totp_credentials').where('user_id', '=', userId).where('confirmed_at', 'is', null).execute();
      const result = await db
        .insertInto('totp_credentials')
        .values({ user_id: userId, secret_encrypted: secretEncrypted, confirmed_at: null, last_used_step: null, created_at: now })
        .onConflict((oc) => oc.column('user_id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    async confirm(userId, step, now) {
      const result = await db
        .updateTable('totp_credentials')
        .set({ confirmed_at: now, last_used_step: step })
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async useStep(userId, step) {
      const result = await db
        .updateTable('totp_credentials')
        .set({ last_used_step: step })
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is not', null)
        .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async delete(userId) {
      await db.deleteFrom('totp_credentials').where('user_id', '=', userId).execute();
    },
  };
}
