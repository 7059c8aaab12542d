import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { SessionWithUser } from './sessions-repository.js';

/**
 * The account session an OIDC token is bound to, looked up by its public id (the tokens' `sid`): one primary-key
 * lookup joined to its user. The cookie path finds sessions by token hash instead (sessions-repository).
 */
export function createBoundSessionsRepository(db: Kysely<Database>) {
  return {
    async findById(id: string): Promise<SessionWithUser | undefined> {
      const row = await db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select([
          'sessions.id as id',
          'sessions.token_hash as token_hash',
          'sessions.user_id as user_id',
          'sessions.created_at as created_at',
          'sessions.last_seen_at as last_seen_at',
          'sessions.expires_at as expires_at',
          'sessions.user_agent as user_agent',
          'sessions.ip as ip',
          'users.email as u_email',
          'users.name as u_name',
          'users.picture as u_picture',
          'users.password_hash as u_password_hash',
          'users.created_at as u_created_at',
        ])
        .where('sessions.id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      const { u_email, u_name, u_picture, u_password_hash, u_created_at, ...session } = row;
      return {
        ...session,
        user: { id: session.user_id, email: u_email, name: u_name, picture: u_picture, password_hash: u_password_hash, created_at: u_created_at },
      };
    },
  };
}
