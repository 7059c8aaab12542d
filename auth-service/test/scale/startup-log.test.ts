import { describe, expect, it } from 'vitest';
import { dropSchema, postgresUrl } from '../store/databases.js';
import { startInstance, uniqueName } from './instances.js';

const redisUrl = process.env['USERBOX_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const schema = uniqueName('userbox_startlog');
const publicUrl = 'http://accounts.example.test';

/** Lines that are not pino's JSON (something wrote to the console), or pino lines at warn (40) or above. */
// pg-boss warns (w02, with Node's hint line after it) when this machine's clock and PostgreSQL's differ by over a
// minute, as they do by construction in the run with the clock moved ahead; it says scheduling is unaffected (it
// schedules on the database's clock).
const clockSkewWarning = (line: string, i: number, lines: string[]) =>
  line.includes('[pg-boss-w02]') || (line.startsWith('(Use `node --trace-warnings') && (lines[i - 1] ?? '').includes('[pg-boss-w02]'));

const noisy = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line, i, lines) => !clockSkewWarning(line, i, lines))
    .filter((line) => {
      try {
        return !((JSON.parse(line) as { level?: number }).level! < 40);
      } catch {
        return true;
      }
    });

// On SQLite the start reaches the app before Redis has connected; on PostgreSQL it usually does not, so both.
const databases: { name: string; env: Record<string, string>; skip: boolean }[] = [
  { name: 'SQLite', env: { DATABASE_URL: ':memory:' }, skip: false },
  { name: 'PostgreSQL', env: { DATABASE_URL: postgresUrl, DATABASE_SCHEMA: schema }, skip: postgresUrl === 'skip' },
];

describe.skipIf(redisUrl === 'skip').each(databases)('a normal start with Redis, on $name', ({ name, env, skip }) => {
  it.skipIf(skip)('logs no warning or error, and the shared rate limit counts from the first request', async () => {
    const instance = await startInstance({
      ...env,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: `${schema}_${name}:`,
      SECRET_KEY: 'f'.repeat(64),
      PUBLIC_URL: publicUrl,
      LOG_LEVEL: 'info',
      AUTH_RATE_LIMIT_PER_MINUTE: '2',
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${instance.url}/api/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: publicUrl },
          body: JSON.stringify({ email: `nobody${i}@example.test`, password: 'wrong password' }),
        });
        statuses.push(res.status);
      }
      // Counted in Redis, so its scripts were loaded once the connection was up.
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      // SIGTERM flushes the buffered log, so everything the start wrote is in the output below.
      // (A signal in the message: the exit code is null when the process died of one.)
      expect(await instance.stop(), `exit signal: ${instance.child.signalCode}`).toBe(0);
      if (env.DATABASE_SCHEMA) await dropSchema(schema);
    }
    expect(instance.output()).toContain('userbox account service listening');
    expect(noisy(instance.output())).toEqual([]);
  }, 60_000);
});
