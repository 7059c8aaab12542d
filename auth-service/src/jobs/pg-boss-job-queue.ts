import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { failureMessage, type JobHandler, type JobQueue, type JsonObject, type RetryPolicy } from './job-queue.js';

export interface PgBossJobQueueOptions {
  connectionString: string;
  /** The PostgreSQL schema pg-boss keeps its tables in (created if missing). */
  schema: string;
  logger: Logger;
  retry: RetryPolicy;
  /** How often each worker asks for jobs, in seconds (pg-boss polls; at least 0.5). */
  pollingIntervalSeconds?: number;
}

/**
 * The job queue on PostgreSQL, run by pg-boss 10 (pg-boss 11 and later need Node 22). Any number of instances
 * may work one queue: pg-boss hands each job to one worker (`SELECT … FOR UPDATE SKIP LOCKED`), retries with
 * exponential backoff, and a job whose worker died is retried when it expires.
 *
 * pg-boss reads PostgreSQL's clock, not the service's injected one: its backoff runs in real time (the SQLite
 * queue's tests move the clock instead). It waits `retryDelay·2^n/2` to `retryDelay·2^n` (random jitter).
 */
export async function createPgBossJobQueue({ connectionString, schema, logger, retry, pollingIntervalSeconds = 2 }: PgBossJobQueueOptions): Promise<JobQueue> {
  const boss = new PgBoss({
    connectionString,
    schema,
    max: 4,
    // Finished jobs carried mail (and its links): keep them briefly, then drop them.
    archiveCompletedAfterSeconds: 60,
    archiveFailedAfterSeconds: 60,
    deleteAfterDays: 1,
  });
  boss.on('error', (err: Error) => logger.warn({ err: failureMessage(err) }, 'job queue (pg-boss) error'));
  await boss.start();
  const queues = new Map<string, Promise<void>>();
  // One creation at a time: pg-boss's create_queue alters shared tables, and two at once (this process's workers
  // starting together, or another instance's) can deadlock in PostgreSQL; the loser is tried again.
  let creating: Promise<unknown> = Promise.resolve();
  const createQueue = async (name: string): Promise<void> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await boss.createQueue(name);
      } catch (err) {
        if ((err as { code?: unknown }).code !== '40P01' || attempt >= 5) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  };
  const ensureQueue = (name: string) => {
    let created = queues.get(name);
    if (!created) {
      created = creating.then(() => createQueue(name));
      creating = created.catch(() => undefined);
      queues.set(name, created);
      created.catch(() => queues.delete(name));
    }
    return created;
  };
  // pg-boss counts its delay in whole seconds.
  const seconds = (ms: number) => Math.max(1, Math.round(ms / 1000));

  return {
    async enqueue(name, payload, options = {}) {
      await ensureQueue(name);
      const id = await boss.send(name, payload, {
        retryLimit: options.retryLimit ?? retry.retryLimit,
        retryDelay: seconds(options.retryDelayMs ?? retry.retryDelayMs),
        retryBackoff: true,
      });
      if (!id) throw new Error(`job ${name} was not stored`);
      return id;
    },
    async work<P extends JsonObject>(name: string, handler: JobHandler<P>) {
      await ensureQueue(name);
      await boss.work<P>(name, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds }, async ([job]) => {
        if (!job) return;
        const attempt = job.retryCount + 1;
        try {
          await handler(job.data, { id: job.id, name: job.name, attempt });
        } catch (err) {
          const message = failureMessage(err);
          if (job.retryCount >= job.retryLimit) logger.error({ jobId: job.id, job: job.name, attempts: attempt, err: message }, 'job gave up');
          else logger.warn({ jobId: job.id, job: job.name, attempt, err: message }, 'job failed, will retry');
          // What pg-boss keeps as the job's output: the message only, never a stack or the payload.
          throw new Error(message);
        }
      });
    },
    async stop(timeoutMs = 10_000) {
      await boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
    },
  };
}
