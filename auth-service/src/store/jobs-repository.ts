import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, JobsTable } from './schema.js';

export type JobRecord = Selectable<JobsTable>;

/** The `jobs` table of the SQLite job queue (jobs/table-job-queue.ts). */
export interface JobsRepository {
  insert(job: JobRecord): Promise<void>;
  /**
   * Claims the next due job of one of `names` for `leaseMs`: a queued job whose time has come, or a running one
   * whose worker's claim lapsed. Marks it running and counts the attempt; undefined when none is due.
   */
  claimNext(names: readonly string[], now: number, leaseMs: number): Promise<JobRecord | undefined>;
  /** A finished job is deleted, payload and all. */
  complete(id: string): Promise<void>;
  /** Back to the queue, to run again at `runAt`. */
  retryAt(id: string, runAt: number, error: string): Promise<void>;
  /** Given up: kept as failed with its error, its payload emptied. */
  fail(id: string, error: string): Promise<void>;
  findById(id: string): Promise<JobRecord | undefined>;
}

export function createJobsRepository(db: Kysely<Database>): JobsRepository {
  return {
    async insert(job) {
      await db.insertInto('jobs').values(job).execute();
    },
    async claimNext(names, now, leaseMs) {
      if (names.length === 0) return undefined;
      // One statement: the row is chosen and taken together, so two loops of this process never share a job.
      const claimed = await db
        .updateTable('jobs')
        .set({ state: 'running', locked_until: now + leaseMs, attempts: sql`attempts + 1` })
        .where(
          'id',
          '=',
          db
            .selectFrom('jobs')
            .select('id')
            .where('name', 'in', [...names])
            .where((eb) =>
              eb.or([
                eb.and([eb('state', '=', 'queued'), eb('run_at', '<=', now)]),
                eb.and([eb('state', '=', 'running'), eb('locked_until', '<=', now)]),
              ]),
            )
            .orderBy('run_at')
            .orderBy('created_at')
            .limit(1),
        )
        .returningAll()
        .executeTakeFirst();
      return claimed;
    },
    async complete(id) {
      await db.deleteFrom('jobs').where('id', '=', id).execute();
    },
    async retryAt(id, runAt, error) {
      await db.updateTable('jobs').set({ state: 'queued', run_at: runAt, locked_until: null, last_error: error }).where('id', '=', id).execute();
    },
    async fail(id, error) {
      await db.updateTable('jobs').set({ state: 'failed', payload: '{}', locked_until: null, last_error: error }).where('id', '=', id).execute();
    },
    findById: (id) => db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst(),
  };
}
