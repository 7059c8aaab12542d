import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The `client_choices` table: which account session an app last signed in with (see ClientChoicesTable). */
export interface ClientChoicesRepository {
  /** Records that `clientId` signed in with `sessionId` at `usedAt` (one row per pair, the latest time kept). */
  record(sessionId: string, clientId: string, usedAt: number): Promise<void>;
  /** Of these sessions (one browser's), the one any of `clientIds` used last, or undefined when they used none. */
  lastUsed(clientIds: readonly string[], sessionIds: readonly string[]): Promise<string | undefined>;
}

export function createClientChoicesRepository(db: Kysely<Database>): ClientChoicesRepository {
  return {
    async record(sessionId, clientId, usedAt) {
      await db
        .insertInto('client_choices')
        .values({ session_id: sessionId, client_id: clientId, used_at: usedAt })
        .onConflict((oc) => oc.columns(['session_id', 'client_id']).doUpdateSet({ used_at: usedAt }))
        .execute();
    },
    async lastUsed(clientIds, sessionIds) {
      if (sessionIds.length === 0 || clientIds.length === 0) return undefined;
      const row = await db
        .selectFrom('client_choices')
        .select('session_id')
        .where('client_id', 'in', [...clientIds])
        .where('session_id', 'in', [...sessionIds])
        .orderBy('used_at', 'desc')
        .orderBy('session_id')
        .limit(1)
        .executeTakeFirst();
      return row?.session_id;
    },
  };
}
