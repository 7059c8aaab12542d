import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The `client_assertions` table: the `jti` of every `private_key_jwt` assertion used and not yet expired. */
export interface ClientAssertionsRepository {
  /**
   * Records that the client used the assertion `jti` (until `expiresAt`); false when it was already used. Expired
   * records are swept first.
   */
  use(clientId: string, jti: string, expiresAt: number, now: number): Promise<boolean>;
}

export function createClientAssertionsRepository(db: Kysely<Database>): ClientAssertionsRepository {
  return {
    async use(clientId, jti, expiresAt, now) {
      await db.deleteFrom('client_assertions').where('expires_at', '<=', now).execute();
      const result = await db
        .insertInto('client_assertions')
        .values({ client_id: clientId, jti, expires_at: expiresAt })
        .onConflict((oc) => oc.columns(['client_id', 'jti']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
  };
}
