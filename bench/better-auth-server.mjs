// Peer for bench/api.mjs (issue 8): Better Auth on SQLite (better-sqlite3), mounted in Express 5 as its docs
// show, in a process of its own. Defaults throughout (no cookie cache: every get-session reads the database,
// as /api/me does); telemetry off so nothing leaves 127.0.0.1. Prints {"port"} once it is listening.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import Database from 'better-sqlite3';
import express from 'express';

const dir = mkdtempSync(path.join(tmpdir(), 'userbox-bench-better-auth-'));
const database = new Database(path.join(dir, 'better-auth.sqlite'));
database.pragma('journal_mode = WAL');

// Listen first: Better Auth wants its baseURL, which holds the port.
const server = http.createServer();
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const baseURL = `http://127.0.0.1:${server.address().port}`;

const auth = betterAuth({
  database,
  baseURL,
  secret: process.env.BENCH_BETTER_AUTH_SECRET ?? 'bench-only secret, not for production use 0123456789',
  emailAndPassword: { enabled: true },
  telemetry: { enabled: false },
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const app = express();
app.all('/api/auth/*splat', toNodeHandler(auth));
server.on('request', app);

process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
process.on('SIGTERM', () => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
