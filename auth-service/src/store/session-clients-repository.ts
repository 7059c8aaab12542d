import type { Kysely } from 'kysely';
import type { Database, SessionClientsTable } from './schema.js';

/** An app that got tokens from a session that has ended since. */
export type EndedSessionClient = Pick<SessionClientsTable, 'session_id' | 'client_id' | 'user_id'>;

/** The `session_clients` table: which apps got tokens from which account session (see SessionClientsTable). */
export interface SessionClientsRepository {
  /** Records that `clientId` got tokens from the session (one row per pair; a second grant changes nothing). */
  record(row: SessionClientsTable): Promise<void>;
  /**
   * Takes (deletes and answers) the rows whose session is gone, of one user or of everyone. Atomic per row: of
   * two instances taking at once, each row goes to one of them.
   */
  takeEnded(userId?: string): Promise<EndedSessionClient[]>;
}

export function createSessionClientsRepository(db: Kysely<Database>): SessionClientsRepository {
  return {
    async record(row) {
      await db
        .insertInto('session_clients')
        .values(row)
        .onConflict((oc) => oc.columns(['session_id', 'client_id']).doNothing())
        .execute();
    },
    takeEnded(userId) {
      let query = db
        .deleteFrom('session_clients')
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('sessions').select('sessions.id').whereRef('sessions.id', '=', 'session_clients.session_id'))),
        );
      if (userId !== undefined) query = query.where('session_clients.user_id', '=', userId);
      return query.returning(['session_clients.session_id', 'session_clients.client_id', 'session_clients.user_id']).execute();
    },
  };
}
