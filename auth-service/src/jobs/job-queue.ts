/**
 * The service's job queue: work that must not run inside a request (sending mail; later, back-channel logout
 * tokens) is put here and done by a worker, retried with exponential backoff until it gives up.
 *
 * Two engines stand behind this one interface: on SQLite a `jobs` table worked in this process
 * (`table-job-queue.ts`, one instance only), on PostgreSQL pg-boss (`pg-boss-job-queue.ts`, any number of
 * instances, each job run by one of them). server.ts picks by `DATABASE_URL`.
 */

/** A JSON value, as a job's payload is stored. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface EnqueueOptions {
  /** Retries after the first attempt before the job gives up (default: the queue's). */
  retryLimit?: number;
  /** Wait before the first retry in ms (default: the queue's); each further retry waits twice as long. */
  retryDelayMs?: number;
}

/** What a handler learns about the job it runs. */
export interface JobContext {
  id: string;
  name: string;
  /** 1 on the first attempt. */
  attempt: number;
}

/**
 * Does one job. Resolving completes it; throwing fails this attempt, and the job is retried later or, after its
 * last retry, given up (logged once with its id and name, never its payload).
 */
export type JobHandler<P extends JsonObject = JsonObject> = (payload: P, job: JobContext) => Promise<void>;

export interface JobQueue {
  /** Stores a job durably and answers its id; a worker (in this or another instance) runs it soon after. */
  enqueue(name: string, payload: JsonObject, options?: EnqueueOptions): Promise<string>;
  /** Runs jobs of this name in this process from now on; one handler per name. */
  work<P extends JsonObject>(name: string, handler: JobHandler<P>): Promise<void>;
  /** Takes no more jobs and waits (up to `timeoutMs`) for the running ones to finish. Jobs left are kept. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Defaults for jobs enqueued without options; from config.ts (JOB_RETRY_LIMIT, JOB_RETRY_DELAY_SECONDS). */
export interface RetryPolicy {
  retryLimit: number;
  retryDelayMs: number;
}

/** The longest wait between two attempts, whatever the backoff reaches. */
export const maxRetryDelayMs = 60 * 60_000;

/** The wait after failed attempt `attempt` (1-based): `retryDelayMs`, then twice that, four times …, capped. */
export function backoffMs(retryDelayMs: number, attempt: number): number {
  return Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.max(0, attempt - 1));
}

/** An error's message for a log line or the jobs table: never its stack, cut short. */
export function failureMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 500);
}
