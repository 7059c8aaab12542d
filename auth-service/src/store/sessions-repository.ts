import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import type { Database, SessionsTable } from './schema.js';
import type { DirectRead } from './direct-read.js';
import type { UserRecord } from './users-repository.js';

export type SessionRecord = Selectable<SessionsTable>;
export type SessionWithUser = SessionRecord & { user: UserRecord };
/** A session to insert; `amr` may be left out (null: a password sign-in, as before it was recorded). */
export type NewSession = Omit<SessionRecord, 'amr'> & Partial<Pick<SessionRecord, 'amr'>>;

/** A session joined to its user, as one row; `toSessionWithUser` splits it. Shared by every session lookup. */
function selectSessionWithUser(db: Kysely<Database>) {
  return db
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
      'sessions.time_zone as time_zone',
      'sessions.amr as amr',
      'users.email as u_email',
      'users.name as u_name',
      'users.picture as u_picture',
      'users.password_hash as u_password_hash',
      'users.created_at as u_created_at',
      'users.email_verified_at as u_email_verified_at',
    ]);
}

type SessionUserRow = Awaited<ReturnType<ReturnType<typeof selectSessionWithUser>['executeTakeFirstOrThrow']>>;

function toSessionWithUser(row: SessionUserRow): SessionWithUser {
  const { u_email, u_name, u_picture, u_password_hash, u_created_at, u_email_verified_at, ...session } = row;
  return {
    ...session,
    user: {
      id: session.user_id,
      email: u_email,
      name: u_name,
      picture: u_picture,
      password_hash: u_password_hash,
      created_at: u_created_at,
      email_verified_at: u_email_verified_at,
    },
  };
}

/** The sessions table. */
export interface SessionsRepository {
  insert(session: NewSession): Promise<void>;
  /** The hot path of `/api/me`: one lookup on the unique token_hash index, joined to its user. */
  findByTokenHash(tokenHash: string): Promise<SessionWithUser | undefined>;
  /**
   * By the session's public id (the `sid` of the OIDC tokens bound to it): one primary-key lookup joined to its
   * user. Not cached: a cache in front keys by token hash, and this read must see a sign-out at once.
   */
  findById(id: string): Promise<SessionWithUser | undefined>;
  /** Records activity; takes the session (not just its id) so a cache in front can update its copy. */
  touch(session: Pick<SessionRecord, 'id' | 'token_hash' | 'user_id'>, lastSeenAt: number): Promise<void>;
  /**
   * Gives the session a new token hash (the same session: id, user, lifetimes); answers its absolute expiry, or
   * undefined when it is gone. A cache in front must forget the old hash.
   */
  replaceToken(id: string, tokenHash: string): Promise<{ expires_at: number } | undefined>;
  /**
   * A fresh sign-in to a session the browser already holds (the same account again): a new token hash, and its
   * sign-in time, lifetimes and `amr` (how this sign-in was made) start again; the id, and so every grant bound to
   * it, stays. False when it is gone. A cache in front must forget the old hash.
   */
  renew(session: Pick<SessionRecord, 'id' | 'token_hash' | 'user_id'>, tokenHash: string, now: number, expiresAt: number, amr: string): Promise<boolean>;
  deleteByTokenHash(tokenHash: string): Promise<void>;
  /** A user's sessions, newest activity first. */
  listByUser(userId: string): Promise<SessionRecord[]>;
  /** Deletes one session of this user; false when it is not theirs or gone. */
  deleteForUser(userId: string, id: string): Promise<boolean>;
  /** Deletes all of a user's sessions except `keepId` (if given); returns how many ended. */
  deleteAllForUser(userId: string, keepId?: string): Promise<number>;
  /**
   * Removes sessions past their absolute expiry, and with `seenBefore` also those idle since before it (else idle
   * ones are removed when next seen).
   */
  deleteExpired(now: number, seenBefore?: number): Promise<number>;
}

export function createSessionsRepository(db: Kysely<Database>, directRead?: DirectRead): SessionsRepository {
  // /api/me runs this on every page view of every app. Building and compiling it through Kysely costs
  // about twice the query itself, so it is compiled once and re-run with the new parameter.
  const findByTokenHashSql = selectSessionWithUser(db).where('sessions.token_hash', '=', '').compile().sql;

  return {
    async insert(session: NewSession): Promise<void> {
      await db.insertInto('sessions').values(session).execute();
    },
    /** The hot path of `/api/me`: one lookup on the unique token_hash index, joined to its user. */
    async findByTokenHash(tokenHash: string): Promise<SessionWithUser | undefined> {
      const direct = directRead?.(findByTokenHashSql, [tokenHash]);
      const rows = direct
        ? ((await direct) as SessionUserRow[])
        : (await db.executeQuery<SessionUserRow>(CompiledQuery.raw(findByTokenHashSql, [tokenHash]))).rows;
      return rows[0] && toSessionWithUser(rows[0]);
    },
    /**
     * By the session's public id (the `sid` of the OIDC tokens bound to it): one primary-key lookup joined to its
     * user. Not cached: a cache in front keys by token hash, and this read must see a sign-out at once.
     */
    async findById(id: string): Promise<SessionWithUser | undefined> {
      const row = await selectSessionWithUser(db).where('sessions.id', '=', id).executeTakeFirst();
      return row && toSessionWithUser(row);
    },
    /** Records activity; takes the session (not just its id) so a cache in front can update its copy. */
    async touch(session: Pick<SessionRecord, 'id' | 'token_hash' | 'user_id'>, lastSeenAt: number): Promise<void> {
      await db.updateTable('sessions').set({ last_seen_at: lastSeenAt }).where('id', '=', session.id).execute();
    },
    /**
     * Gives the session a new token hash (the same session: id, user, lifetimes); answers its absolute expiry, or
     * undefined when it is gone. A cache in front must forget the old hash.
     */
    async replaceToken(id: string, tokenHash: string): Promise<{ expires_at: number } | undefined> {
      return db.updateTable('sessions').set({ token_hash: tokenHash }).where('id', '=', id).returning(['expires_at']).executeTakeFirst();
    },
    async renew(session, tokenHash, now, expiresAt, amr): Promise<boolean> {
      const result = await db
        .updateTable('sessions')
        .set({ token_hash: tokenHash, created_at: now, last_seen_at: now, expires_at: expiresAt, amr })
        .where('id', '=', session.id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async deleteByTokenHash(tokenHash: string): Promise<void> {
      await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
    },
    /** A user's sessions, newest activity first. */
    listByUser: (userId: string): Promise<SessionRecord[]> =>
      db.selectFrom('sessions').selectAll().where('user_id', '=', userId).orderBy('last_seen_at', 'desc').execute(),
    /** Deletes one session of this user; false when it is not theirs or gone. */
    async deleteForUser(userId: string, id: string): Promise<boolean> {
      const result = await db.deleteFrom('sessions').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    /** Deletes all of a user's sessions except `keepId` (if given); returns how many ended. */
    async deleteAllForUser(userId: string, keepId?: string): Promise<number> {
      let query = db.deleteFrom('sessions').where('user_id', '=', userId);
      if (keepId !== undefined) query = query.where('id', '!=', keepId);
      const result = await query.executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteExpired(now: number, seenBefore?: number): Promise<number> {
      const result = await db
        .deleteFrom('sessions')
        .where((eb) => (seenBefore === undefined ? eb('expires_at', '<=', now) : eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', seenBefore)])))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
