import type { Kysely, Selectable } from 'kysely';
import type { Database, OutboxTable } from './schema.js';

export type OutboxRecord = Selectable<OutboxTable>;

/** The `outbox` table: mail the embedded outbox kept instead of sending (development and the demo). */
export interface OutboxRepository {
  insert(mail: OutboxRecord): Promise<void>;
  /** Newest first, at most `limit`. */
  listNewest(limit: number): Promise<OutboxRecord[]>;
}

export function createOutboxRepository(db: Kysely<Database>): OutboxRepository {
  return {
    async insert(mail) {
      await db.insertInto('outbox').values(mail).execute();
    },
    listNewest: (limit) => db.selectFrom('outbox').selectAll().orderBy('id', 'desc').limit(limit).execute(),
  };
}
