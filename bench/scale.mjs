// `npm run bench` (part, issue 8): GET /api/me on one SQLite instance, one PostgreSQL+Redis instance, and two
// PostgreSQL+Redis instances behind a Node proxy, each as a ratio to bare Express and bare node:http measured
// in the same run; then /api/me at 1 k, 100 k and 1 M stored sessions. Uses this machine's PostgreSQL and
// Redis (BENCH_POSTGRES_URL, BENCH_REDIS_URL), each run in its own schema and key prefix.
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { firstLine, measure, root, row, saveResult, seconds, connections, signedInUser, startBaselines, startService } from './lib.mjs';

const postgresUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const origin = 'http://accounts.example.test';
const secret = randomBytes(32).toString('hex');
const schema = `userbox_bench_${randomBytes(4).toString('hex')}`;
const dir = mkdtempSync(path.join(tmpdir(), 'userbox-scale-bench-'));
const stops = [];

try {
  const sqlite = await startService({ DATABASE_URL: `sqlite:${path.join(dir, 'one.sqlite')}`, PUBLIC_URL: origin, SECRET_KEY: secret });
  stops.push(sqlite.stop);
  const pgEnv = { DATABASE_URL: postgresUrl, DATABASE_SCHEMA: schema, REDIS_URL: redisUrl, REDIS_PREFIX: `${schema}:`, PUBLIC_URL: origin, SECRET_KEY: secret };
  const pgA = await startService(pgEnv);
  stops.push(pgA.stop);
  const pgB = await startService(pgEnv);
  stops.push(pgB.stop);
  const proxy = spawn(process.execPath, [path.join(root, 'bench/proxy.mjs')], { env: { ...process.env, BENCH_TARGETS: `${pgA.url},${pgB.url}` }, stdio: ['ignore', 'pipe', 'inherit'] });
  stops.push(async () => proxy.kill('SIGTERM'));
  const proxyUrl = `http://127.0.0.1:${(await firstLine(proxy)).trim()}`;

  const one = await signedInUser(sqlite.url, origin);
  const shared = await signedInUser(pgA.url, origin);
  const baselines = await startBaselines(one.me);
  stops.push(async () => baselines.stop());

  const node = await measure('node:http (bare)', baselines.node, {}, [baselines.pid]);
  const express = await measure('Express 5 (bare route)', baselines.express, {}, [baselines.pid]);
  const results = [
    node,
    express,
    await measure('/api/me, 1 instance, SQLite', `${sqlite.url}/api/me`, { cookie: one.cookie }, [sqlite.child.pid]),
    await measure('/api/me, 1 instance, PostgreSQL + Redis', `${pgA.url}/api/me`, { cookie: shared.cookie }, [pgA.child.pid]),
    // CPU here counts both instances (not the proxy), per request served.
    await measure('/api/me, 2 instances behind a Node proxy', `${proxyUrl}/api/me`, { cookie: shared.cookie }, [pgA.child.pid, pgB.child.pid]),
  ];
  console.log(`\nGET /api/me, signed in (autocannon -c ${connections}, ${seconds} s each, 127.0.0.1; 2 cores shared by all processes)`);
  console.table(results.map((r) => row(r, express, node)));

  // Cost growth: the same lookup with 1 k, 100 k and 1 M sessions stored (written straight into the file).
  const growthDb = path.join(dir, 'growth.sqlite');
  const growth = await startService({ DATABASE_URL: `sqlite:${growthDb}`, PUBLIC_URL: origin, SECRET_KEY: secret });
  stops.push(growth.stop);
  const probe = await signedInUser(growth.url, origin);
  const db = new SQLite(growthDb);
  db.pragma('busy_timeout = 10000');
  const owner = db.prepare('SELECT id FROM users LIMIT 1').get().id;
  const insert = db.prepare('INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at, user_agent, ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const fill = db.transaction((n) => {
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      insert.run(randomUUID(), createHash('sha256').update(randomBytes(32)).digest('base64url'), owner, now, now, now + 864e5, 'bench', '127.0.0.1');
    }
  });
  const sizes = [1_000, 100_000, 1_000_000];
  const growthResults = [];
  let stored = 1;
  for (const size of sizes) {
    fill(size - stored);
    stored = size;
    growthResults.push({ sessions: size, ...(await measure(`/api/me with ${size.toLocaleString('en')} sessions`, `${growth.url}/api/me`, { cookie: probe.cookie }, [growth.child.pid])) });
  }
  db.close();
  console.log('\nCost growth: GET /api/me, SQLite, by number of stored sessions (must stay flat)');
  console.table(growthResults.map((r) => ({ sessions: r.sessions.toLocaleString('en'), 'req/s': Math.round(r.rps), 'p50 ms': r.p50, 'p99 ms': r.p99, 'vs 1 k': (r.rps / growthResults[0].rps).toFixed(2), 'CPU µs/req': Math.round(r.cpuUsPerRequest), 'CPU vs 1 k': (r.cpuUsPerRequest / growthResults[0].cpuUsPerRequest).toFixed(2) })));

  saveResult('scale', { seconds, connections, results, growth: growthResults });
} finally {
  for (const stop of stops.reverse()) await stop();
  rmSync(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect().then(() => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).finally(() => client.end());
}
