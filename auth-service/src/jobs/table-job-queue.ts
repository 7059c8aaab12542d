import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { JobsRepository } from '../store/jobs-repository.js';
import { backoffMs, failureMessage, type JobHandler, type JobQueue, type JsonObject, type RetryPolicy } from './job-queue.js';

export interface TableJobQueue extends JobQueue {
  /**
   * Runs every job that is due now, one after another, and answers how many ran. The worker loop calls it; tests
   * call it after moving the clock, since the loop's timer is real time but what is due is the clock's.
   */
  runDue(): Promise<number>;
}

export interface TableJobQueueOptions {
  jobs: JobsRepository;
  clock: Clock;
  logger: Logger;
  retry: RetryPolicy;
  /** How often the loop looks for due jobs (real time); an enqueue in this process wakes it at once. 0: no loop. */
  pollMs?: number;
  /** How long a running job is its worker's; after that (the process died) another run may take it. */
  leaseMs?: number;
}

/**
 * The job queue on the SQLite `jobs` table, worked in this process. Jobs survive a restart (a job that was
 * running when the process died runs again once its lease lapses). Single-instance only: SQLite is one file on
 * one machine; several instances run on PostgreSQL, with pg-boss.
 */
export function createTableJobQueue({ jobs, clock, logger, retry, pollMs = 1000, leaseMs = 5 * 60_000 }: TableJobQueueOptions): TableJobQueue {
  const handlers = new Map<string, JobHandler>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = false;

  async function runOne(): Promise<boolean> {
    const job = await jobs.claimNext([...handlers.keys()], clock(), leaseMs);
    if (!job) return false;
    const handler = handlers.get(job.name);
    if (!handler) return true;
    try {
      await handler(JSON.parse(job.payload) as JsonObject, { id: job.id, name: job.name, attempt: job.attempts });
      await jobs.complete(job.id);
    } catch (err) {
      const message = failureMessage(err);
      if (job.attempts > job.retry_limit) {
        await jobs.fail(job.id, message);
        logger.error({ jobId: job.id, job: job.name, attempts: job.attempts, err: message }, 'job gave up');
      } else {
        const delay = backoffMs(Number(job.retry_delay_ms), job.attempts);
        await jobs.retryAt(job.id, clock() + delay, message);
        logger.warn({ jobId: job.id, job: job.name, attempt: job.attempts, retryInMs: delay, err: message }, 'job failed, will retry');
      }
    }
    return true;
  }

  async function drain(): Promise<number> {
    let count = 0;
    do {
      again = false;
      while (!stopped && (await runOne())) count += 1;
    } while (again && !stopped);
    return count;
  }

  /** One pass at a time; a wake-up during a pass makes it look once more. */
  function runDue(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = drain().finally(() => {
      running = undefined;
    });
    return running;
  }

  function tick(): void {
    if (stopped || pollMs <= 0) return;
    runDue()
      .catch((err: unknown) => logger.warn({ err: failureMessage(err) }, 'job queue pass failed'))
      .finally(() => {
        if (!stopped) {
          timer = setTimeout(tick, pollMs);
          timer.unref();
        }
      });
  }

  return {
    async enqueue(name, payload, options = {}) {
      const id = randomUUID();
      await jobs.insert({
        id,
        name,
        payload: JSON.stringify(payload),
        state: 'queued',
        attempts: 0,
        retry_limit: options.retryLimit ?? retry.retryLimit,
        retry_delay_ms: options.retryDelayMs ?? retry.retryDelayMs,
        run_at: clock(),
        locked_until: null,
        last_error: null,
        created_at: clock(),
      });
      if (timer && handlers.has(name)) setImmediate(() => void runDue().catch(() => undefined));
      return id;
    },
    async work(name, handler) {
      if (handlers.has(name)) throw new Error(`a handler for job ${name} is already registered`);
      handlers.set(name, handler as JobHandler);
      if (!timer && !stopped && pollMs > 0) {
        timer = setTimeout(tick, 0);
        timer.unref();
      }
    },
    runDue,
    async stop(timeoutMs = 10_000) {
      stopped = true;
      clearTimeout(timer);
      if (running) await Promise.race([running.catch(() => 0), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    },
  };
}
