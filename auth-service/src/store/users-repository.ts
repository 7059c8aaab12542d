import type { Kysely, Selectable } from 'kysely';
import type { Database, UsersTable } from './schema.js';

/** A user as the service sees it; `email_key` is this repository's business (it derives it from `email`). */
export type UserRecord = Omit<Selectable<UsersTable>, 'email_key'>;

/**
 * The identity of an (already normalised) email address: `Bob@example.com` and `bob@example.com` are one account,
 * for uniqueness, lookup and the sign-in throttle alike. RFC 5321 lets a mail server treat the local part's case as
 * significant, but practically none does, and two accounts that look the same to people are a spoofing hazard.
 *
 * The address itself is kept as typed (in `email`) and only compared through this key, rather than stored
 * lower-cased: nothing already stored changes (the migration adds the key beside it), the `email` claim that apps
 * already hold for a user stays the same, and mail goes to the address exactly as its owner gave it.
 */
export function emailKey(email: string): string {
  return email.toLowerCase();
}

const userColumns = ['id', 'email', 'name', 'picture', 'password_hash', 'created_at', 'email_verified_at'] as const;

export class UniqueViolation extends Error {
  override name = 'UniqueViolation';
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

/** The `users` table. */
export interface UsersRepository {
  /** Throws `UniqueViolation` when the email is taken, in any casing. */
  insert(user: UserRecord): Promise<void>;
  findById(id: string): Promise<UserRecord | undefined>;
  /** The account of this address in any casing. */
  findByEmail(email: string): Promise<UserRecord | undefined>;
  /** A new `email` (its key follows) throws `UniqueViolation` when another account has it, in any casing. */
  update(id: string, changes: Partial<Pick<UserRecord, 'name' | 'picture' | 'password_hash' | 'email' | 'email_verified_at'>>): Promise<void>;
  /**
   * Deletes the account and every row about it, in one transaction: authorization codes, refresh tokens, known
   * devices, email links, sessions, then the user. False when there was no such user (nothing changes).
   */
  delete(id: string): Promise<boolean>;
  count(): Promise<number>;
}

export function createUsersRepository(db: Kysely<Database>): UsersRepository {
  return {
    async insert(user) {
      try {
        await db.insertInto('users').values({ ...user, email_key: emailKey(user.email) }).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new UniqueViolation('email taken', { cause: err });
        throw err;
      }
    },
    findById: (id) =>
      db.selectFrom('users').select(userColumns).where('id', '=', id).executeTakeFirst(),
    findByEmail: (email) =>
      db.selectFrom('users').select(userColumns).where('email_key', '=', emailKey(email)).executeTakeFirst(),
    async update(id, changes) {
      const values = changes.email === undefined ? changes : { ...changes, email_key: emailKey(changes.email) };
      try {
        await db.updateTable('users').set(values).where('id', '=', id).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new UniqueViolation('email taken', { cause: err });
        throw err;
      }
    },
    delete: (id) =>
      db.transaction().execute(async (trx) => {
        // Named one by one rather than left to ON DELETE CASCADE: codes and refresh tokens hang off sessions, and
        // a row added later without a cascade must not survive the account.
        await trx.deleteFrom('authorization_codes').where('user_id', '=', id).execute();
        await trx.deleteFrom('refresh_tokens').where('user_id', '=', id).execute();
        await trx.deleteFrom('known_devices').where('user_id', '=', id).execute();
        await trx.deleteFrom('email_links').where('user_id', '=', id).execute();
        await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
        const result = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      }),
    async count() {
      const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
