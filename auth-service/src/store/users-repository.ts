import type { Kysely, Selectable } from 'kysely';
import type { Database, UsersTable } from './schema.js';

export type UserRecord = Selectable<UsersTable>;

export class UniqueViolation extends Error {
  override name = 'UniqueViolation';
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

export function createUsersRepository(db: Kysely<Database>) {
  return {
    /** Throws `UniqueViolation` when the email is taken. */
    async insert(user: UserRecord): Promise<void> {
      try {
        await db.insertInto('users').values(user).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new UniqueViolation('email taken', { cause: err });
        throw err;
      }
    },
    findById: (id: string): Promise<UserRecord | undefined> =>
      db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
    findByEmail: (email: string): Promise<UserRecord | undefined> =>
      db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst(),
    async update(id: string, changes: Partial<Pick<UserRecord, 'name' | 'picture' | 'password_hash'>>): Promise<void> {
      await db.updateTable('users').set(changes).where('id', '=', id).execute();
    },
    async count(): Promise<number> {
      const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
