import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { selectSessionWithUser, toSessionWithUser, type SessionWithUser } from './sessions-repository.js';

/**
 * The account session an OIDC token is bound to, looked up by its public id (the tokens' `sid`): one primary-key
 * lookup joined to its user. The cookie path finds sessions by token hash instead (sessions-repository).
 */
export function createBoundSessionsRepository(db: Kysely<Database>) {
  return {
    async findById(id: string): Promise<SessionWithUser | undefined> {
      const row = await selectSessionWithUser(db).where('sessions.id', '=', id).executeTakeFirst();
      return row && toSessionWithUser(row);
    },
  };
}
