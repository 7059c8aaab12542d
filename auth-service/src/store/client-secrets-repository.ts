import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** A confidential client's secret as stored: its hash, and until when it works (null: current, no end). */
export interface ClientSecretRecord {
  secretHash: string;
  clientId: string;
  createdAt: number;
  expiresAt: number | null;
}

/** The `client_secrets` table: confidential clients' secrets, by SHA-256 only. */
export interface ClientSecretsRepository {
  /** The client's secrets that still work at `now`: the current one and those in their grace period. */
  listValid(clientId: string, now: number): Promise<ClientSecretRecord[]>;
  /**
   * Makes `secretHash` the client's current secret, in one transaction: the previous current one keeps working
   * until `previousUntil`, secrets already past their end are deleted.
   */
  replace(clientId: string, secretHash: string, now: number, previousUntil: number): Promise<void>;
}

export function createClientSecretsRepository(db: Kysely<Database>): ClientSecretsRepository {
  return {
    async listValid(clientId, now) {
      const rows = await db
        .selectFrom('client_secrets')
        .selectAll()
        .where('client_id', '=', clientId)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map((r) => ({
        secretHash: r.secret_hash,
        clientId: r.client_id,
        createdAt: Number(r.created_at),
        expiresAt: r.expires_at === null ? null : Number(r.expires_at),
      }));
    },
    async replace(clientId, secretHash, now, previousUntil) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('client_secrets').where('client_id', '=', clientId).where('expires_at', '<=', now).execute();
        await trx
          .updateTable('client_secrets')
          .set({ expires_at: previousUntil })
          .where('client_id', '=', clientId)
          .where('expires_at', 'is', null)
          .execute();
        await trx.insertInto('client_secrets').values({ secret_hash: secretHash, client_id: clientId, created_at: now, expires_at: null }).execute();
      });
    },
  };
}
