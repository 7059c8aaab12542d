import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createTableJobQueue } from '../../src/jobs/table-job-queue.js';
import { openStore, type Store } from '../../src/store/store.js';

/** A logger whose lines the test reads. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const opened: Store[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

async function setUp(options: { retryLimit?: number; retryDelayMs?: number; store?: Store } = {}) {
  const store = options.store ?? (await openStore(':memory:'));
  opened.push(store);
  const now = { value: 1_800_000_000_000 };
  const { logger, lines } = capturedLogger();
  const queue = createTableJobQueue({
    jobs: store.jobs,
    clock: () => now.value,
    logger,
    retry: { retryLimit: options.retryLimit ?? 3, retryDelayMs: options.retryDelayMs ?? 10_000 },
    pollMs: 0,
  });
  return { store, now, queue, lines };
}

describe('the SQLite job queue', () => {
  it('runs a job with its payload once, and deletes it when done', async () => {
    const { queue, store } = await setUp();
    const seen: unknown[] = [];
    await queue.work('greet', async (payload, job) => {
      seen.push({ payload, attempt: job.attempt, name: job.name });
    });
    const id = await queue.enqueue('greet', { to: 'ada@example.test', n: 1 });
    expect(await queue.runDue()).toBe(1);
    expect(await queue.runDue()).toBe(0);
    expect(seen).toEqual([{ payload: { to: 'ada@example.test', n: 1 }, attempt: 1, name: 'greet' }]);
    expect(await store.jobs.findById(id)).toBeUndefined();
  });

  it('retries a failing job with exponential backoff on the injected clock', async () => {
    const { queue, now } = await setUp({ retryLimit: 5, retryDelayMs: 10_000 });
    const attempts: number[] = [];
    await queue.work('flaky', async (_payload, job) => {
      attempts.push(job.attempt);
      if (job.attempt < 3) throw new Error('not yet');
    });
    await queue.enqueue('flaky', {});
    await queue.runDue();
    expect(attempts).toEqual([1]);
    // The first retry waits 10 s, not a moment less.
    now.value += 9_999;
    await queue.runDue();
    expect(attempts).toEqual([1]);
    now.value += 1;
    await queue.runDue();
    expect(attempts).toEqual([1, 2]);
    // The second waits twice as long.
    now.value += 19_999;
    await queue.runDue();
    expect(attempts).toEqual([1, 2]);
    now.value += 1;
    await queue.runDue();
    expect(attempts).toEqual([1, 2, 3]);
    now.value += 3_600_000;
    expect(await queue.runDue()).toBe(0);
  });

  it('gives up after its last retry: one log line with id and name, nothing of the payload, the payload dropped', async () => {
    const { queue, now, lines, store } = await setUp({ retryLimit: 2, retryDelayMs: 1000 });
    let runs = 0;
    await queue.work('doomed', async () => {
      runs += 1;
      throw new Error('smtp said no');
    });
    const id = await queue.enqueue('doomed', { link: 'https://accounts.example.test/verify?token=SECRET-TOKEN' });
    for (let i = 0; i < 10; i++) {
      await queue.runDue();
      now.value += 60 * 60_000;
    }
    expect(runs).toBe(3);
    const gaveUp = lines.filter((l) => l['msg'] === 'job gave up');
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatchObject({ jobId: id, job: 'doomed', attempts: 3, err: 'smtp said no' });
    expect(JSON.stringify(lines)).not.toContain('SECRET-TOKEN');
    const row = await store.jobs.findById(id);
    expect(row).toMatchObject({ state: 'failed', payload: '{}', last_error: 'smtp said no' });
  });

  it('runs only jobs of the names it works, and keeps the others', async () => {
    const { queue, store } = await setUp();
    await queue.work('a', async () => undefined);
    const other = await queue.enqueue('b', {});
    expect(await queue.runDue()).toBe(0);
    expect(await store.jobs.findById(other)).toMatchObject({ state: 'queued' });
  });

  it('keeps jobs across a restart, and runs a job whose worker died once its lease lapses', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'userbox-jobs-'));
    try {
      const file = `sqlite:${path.join(dir, 'jobs.sqlite')}`;
      const first = await setUp({ store: await openStore(file) });
      // A worker claimed a job and the process ended before it finished; another job was still waiting.
      const dying = await first.queue.enqueue('send', { n: 2 });
      expect(await first.store.jobs.claimNext(['send'], first.now.value, 5 * 60_000)).toMatchObject({ id: dying });
      const waiting = await first.queue.enqueue('send', { n: 1 });
      await first.queue.stop();
      await first.store.close();
      opened.splice(opened.indexOf(first.store), 1);

      const second = await setUp({ store: await openStore(file) });
      const ran: unknown[] = [];
      await second.queue.work('send', async (payload) => {
        ran.push(payload);
      });
      await second.queue.runDue();
      expect(ran).toEqual([{ n: 1 }]);
      second.now.value += 5 * 60_000;
      await second.queue.runDue();
      expect(ran).toEqual([{ n: 1 }, { n: 2 }]);
      expect(await second.store.jobs.findById(waiting)).toBeUndefined();
      expect(await second.store.jobs.findById(dying)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('works jobs by itself once a handler is registered, woken by an enqueue', async () => {
    const store = await openStore(':memory:');
    opened.push(store);
    const queue = createTableJobQueue({ jobs: store.jobs, clock: Date.now, logger: pino({ level: 'silent' }), retry: { retryLimit: 0, retryDelayMs: 1000 }, pollMs: 60_000 });
    const done = new Promise<unknown>((resolve) => void queue.work('ping', async (payload) => resolve(payload)));
    await queue.enqueue('ping', { hello: 'world' });
    await expect(done).resolves.toEqual({ hello: 'world' });
    await queue.stop();
  });
});
