import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgBossJobQueue } from '../../src/jobs/pg-boss-job-queue.js';
import type { JobQueue } from '../../src/jobs/job-queue.js';
import { dropSchema, postgresUrl } from '../store/databases.js';

// pg-boss reads PostgreSQL's clock, so these wait in real time: the delays are kept at pg-boss's minimum.
const schema = `userbox_jobs_${randomBytes(6).toString('hex')}`;
const queues: JobQueue[] = [];
const open = async () => {
  const queue = await createPgBossJobQueue({
    connectionString: postgresUrl,
    schema,
    logger: pino({ level: 'silent' }),
    retry: { retryLimit: 2, retryDelayMs: 1000 },
    pollingIntervalSeconds: 0.5,
  });
  queues.push(queue);
  return queue;
};

afterAll(async () => {
  for (const queue of queues) await queue.stop(2000);
  await dropSchema(schema);
});

const until = async (done: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
};

describe.skipIf(postgresUrl === 'skip')('the PostgreSQL job queue (pg-boss)', () => {
  it('runs each job once across two instances working the same queue', async () => {
    const [a, b] = [await open(), await open()];
    const ran: Array<{ worker: string; n: number }> = [];
    await a.work<{ n: number }>('count', async ({ n }) => {
      ran.push({ worker: 'a', n });
    });
    await b.work<{ n: number }>('count', async ({ n }) => {
      ran.push({ worker: 'b', n });
    });
    for (let n = 0; n < 30; n++) await (n % 2 ? a : b).enqueue('count', { n });
    await until(() => ran.length >= 30, 20_000);
    // Let any second run of a job show up.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(ran.map((r) => r.n).sort((x, y) => x - y)).toEqual([...Array(30).keys()]);
    expect(new Set(ran.map((r) => r.worker))).toEqual(new Set(['a', 'b']));
  }, 30_000);

  it('keeps a job enqueued while no worker runs, and retries a failed one', async () => {
    const producer = await open();
    await producer.enqueue('later', { hello: 'world' });
    const consumer = await open();
    const attempts: number[] = [];
    await consumer.work<{ hello: string }>('later', async (payload, job) => {
      expect(payload).toEqual({ hello: 'world' });
      attempts.push(job.attempt);
      if (job.attempt === 1) throw new Error('first attempt fails');
    });
    await until(() => attempts.length >= 2, 15_000);
    expect(attempts).toEqual([1, 2]);
  }, 20_000);
});
