// `npm run bench` (part): GET /api/me against bare Express and bare node:http, measured side by side in one
// run with autocannon on 127.0.0.1, with Better Auth's get-session as a peer; then /api/me while password logins
// run beside it; then the time of a wrong password against an unknown email. Prints tables and saves JSON
// under bench/results/. `--me-only` stops after the first table (for quick comparisons while optimising).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { connections, measure, row, saveResult, seconds, startBaselines, startBetterAuth, startService } from './lib.mjs';

const meOnly = process.argv.includes('--me-only');

function run(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ connections, duration: seconds, ...opts }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'userbox-bench-'));
const origin = 'http://accounts.example.test';
let service;
let bare;
let betterAuth;
try {
  // The login throttle is turned off here: the timing comparison below makes 30 failures in a row on purpose.
  service = await startService({
    DATABASE_URL: `sqlite:${path.join(dir, 'bench.sqlite')}`,
    PUBLIC_URL: origin,
    LOGIN_FREE_ATTEMPTS: '1000000',
    LOGIN_ACCOUNT_LOCK_THRESHOLD: '1000000',
  });
  const serviceUrl = service.url;
  const headers = { 'content-type': 'application/json', origin };
  const users = [];
  for (let i = 0; i < 40; i++) {
    const user = { email: `bench${i}@example.test`, name: 'Bench Mark', password: `bench password ${i}` };
    const res = await fetch(`${serviceUrl}/api/users`, { method: 'POST', headers, body: JSON.stringify(user) });
    if (res.status !== 201) throw new Error(`sign-up failed: ${res.status}`);
    users.push(user);
  }
  const login = await fetch(`${serviceUrl}/api/session`, { method: 'POST', headers, body: JSON.stringify({ email: users[0].email, password: users[0].password }) });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const meBody = await (await fetch(`${serviceUrl}/api/me`, { headers: { cookie } })).json();
  if (!meBody.user) throw new Error('the benchmark session does not work');

  // Issue 14: a browser holding three accounts (one cookie, three session tokens) asks about the default one.
  let threeAccounts = cookie;
  for (const user of users.slice(1, 3)) {
    const added = await fetch(`${serviceUrl}/api/session`, {
      method: 'POST',
      headers: { ...headers, cookie: threeAccounts },
      body: JSON.stringify({ email: user.email, password: user.password, add: true }),
    });
    threeAccounts = added.headers.get('set-cookie').split(';')[0];
  }
  const threeBody = await (await fetch(`${serviceUrl}/api/me`, { headers: { cookie: threeAccounts } })).json();
  if (threeBody.accounts?.length !== 3) throw new Error('the three-account benchmark session does not work');

  bare = await startBaselines(meBody);
  const targets = [
    ['node:http (bare)', bare.node, {}, [bare.pid]],
    ['Express 5 (bare route)', bare.express, {}, [bare.pid]],
    ['Userbox GET /api/me (SQLite, signed in)', `${serviceUrl}/api/me`, { cookie }, [service.child.pid]],
    ['Userbox GET /api/me (signed out)', `${serviceUrl}/api/me`, {}, [service.child.pid]],
    ['Userbox GET /api/me (3 accounts in the browser)', `${serviceUrl}/api/me`, { cookie: threeAccounts }, [service.child.pid]],
  ];
  // Issue 8: the same question asked of Better Auth (its get-session, SQLite, signed in), if it runs here.
  try {
    betterAuth = await startBetterAuth();
    targets.push(['Better Auth GET /api/auth/get-session (SQLite, signed in)', betterAuth.url, { cookie: betterAuth.cookie }, [betterAuth.pid]]);
  } catch (err) {
    console.log(`Better Auth left out of this run: ${err.message}`);
  }
  // Three interleaved rounds, median per target: the first round also warms every server's JIT, and a
  // burst of other work on the machine hits one round, not one target.
  const rounds = [];
  for (let r = 0; r < 3; r++) {
    const round = [];
    for (const [name, url, headers, pids] of targets) round.push(await measure(name, url, headers, pids));
    rounds.push(round);
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const results = targets.map(([name], i) => ({
    name,
    rps: median(rounds.map((round) => round[i].rps)),
    p50: median(rounds.map((round) => round[i].p50)),
    p99: median(rounds.map((round) => round[i].p99)),
    cpuUsPerRequest: median(rounds.map((round) => round[i].cpuUsPerRequest)),
  }));
  console.log(`\nGET /api/me vs bare routes (autocannon -c ${connections}, median of 3 interleaved rounds of ${seconds} s, 127.0.0.1)`);
  console.table(results.map((r) => row(r, results[1], results[0])));
  const ratio = results[2].rps / results[1].rps;
  const cpuRatio = results[1].cpuUsPerRequest / results[2].cpuUsPerRequest;
  console.log(`Target: /api/me (signed in) ≥ 0.70 × bare Express → throughput ${ratio.toFixed(2)} ${ratio >= 0.7 ? 'MET' : 'NOT MET'}; by server CPU per request ${cpuRatio.toFixed(2)} ${cpuRatio >= 0.7 ? 'MET' : 'NOT MET'}`);
  if (meOnly) saveResult('api', { seconds, connections, results, meVsExpress: ratio, meVsExpressCpu: cpuRatio });
  else await underLoad(serviceUrl, headers, cookie, users, results, ratio, cpuRatio);
} finally {
  await service?.stop();
  bare?.stop();
  await betterAuth?.stop();
  rmSync(dir, { recursive: true, force: true });
}

async function underLoad(serviceUrl, headers, cookie, users, results, ratio, cpuRatio) {

  // /api/me while 20 password sign-ins per second run beside it (argon2id on libuv's pool).
  // Sign-in throughput: POST /api/session as fast as the service can hash (argon2id, 19 MiB, 2 passes).
  const signIns = await run({
    url: `${serviceUrl}/api/session`,
    method: 'POST',
    connections: 8,
    headers,
    body: JSON.stringify({ email: users[0].email, password: users[0].password }),
  });
  if (signIns.non2xx || signIns.errors) throw new Error(`sign-ins: ${signIns.non2xx} non-2xx, ${signIns.errors} errors`);
  console.log(`\nSign-in throughput (argon2id, 8 connections, ${seconds} s): ${signIns.requests.average.toFixed(1)} sign-ins/s, p50 ${signIns.latency.p50} ms, p99 ${signIns.latency.p99} ms`);

  const quiet = results[2];
  const storm = spawn(process.execPath, [new URL('./login-storm.mjs', import.meta.url).pathname], {
    env: { ...process.env, BENCH_URL: serviceUrl, BENCH_ORIGIN: origin, BENCH_USERS: JSON.stringify(users.slice(1)) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stormLines = [];
  storm.stdout.on('data', (d) => stormLines.push(...String(d).split('\n').filter(Boolean)));
  while (!stormLines.includes('ready')) await new Promise((r) => setTimeout(r, 20));
  const during = await run({ url: `${serviceUrl}/api/me`, headers: { cookie } });
  const stormResult = await new Promise((resolve) => {
    storm.once('exit', () => resolve(JSON.parse(stormLines.find((l) => l.startsWith('{')) ?? '{}')));
    storm.kill('SIGTERM');
  });
  const { ok: logins, failed: loginFailures } = stormResult;
  console.log(`\nGET /api/me during a login storm (~20 argon2id sign-ins/s beside it)`);
  console.table([
    { phase: 'quiet', 'req/s': Math.round(quiet.rps), 'p50 ms': quiet.p50, 'p99 ms': quiet.p99 },
    { phase: `during storm (${logins} sign-ins ok, ${loginFailures} failed, sign-in p99 ${stormResult.p99} ms)`, 'req/s': Math.round(during.requests.average), 'p50 ms': during.latency.p50, 'p99 ms': during.latency.p99 },
  ]);

  // Unknown email vs wrong password: the same work (a dummy hash), so the same time.
  async function timeLogins(email, n = 30) {
    const times = [];
    for (let k = 0; k < n; k++) {
      const t0 = performance.now();
      const res = await fetch(`${serviceUrl}/api/session`, { method: 'POST', headers, body: JSON.stringify({ email, password: 'not the password' }) });
      times.push(performance.now() - t0);
      if (res.status !== 401) throw new Error(`expected 401 for a failed sign-in, got ${res.status}`);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(n / 2)];
  }
  const wrong = await timeLogins(users[users.length - 1].email);
  const unknown = await timeLogins('nobody-here@example.test');
  console.log(`\nFailed sign-in, median of 30: wrong password ${wrong.toFixed(1)} ms, unknown email ${unknown.toFixed(1)} ms, ratio ${(unknown / wrong).toFixed(2)}`);

  saveResult('api', { seconds, connections, results, meVsExpress: ratio, meVsExpressCpu: cpuRatio, signInsPerSecond: signIns.requests.average, storm: { logins, loginFailures, p50: during.latency.p50, p99: during.latency.p99, rps: during.requests.average }, timing: { wrongMs: wrong, unknownMs: unknown } });
}
