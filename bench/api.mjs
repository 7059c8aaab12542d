// `npm run bench` (part): GET /api/me against bare Express and bare node:http, measured side by side in one
// run with autocannon on 127.0.0.1; then /api/me while password logins run beside it; then the time of a
// wrong password against an unknown email. Prints tables and saves JSON under bench/results/.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const connections = 50;

function startProcess(args, options) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], ...options });
  return child;
}

function firstLine(child) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (d) => {
      buffer += d;
      const nl = buffer.indexOf('\n');
      if (nl >= 0) resolve(buffer.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing its ports`)));
  });
}

async function waitFor(url) {
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

function run(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ connections, duration: seconds, ...opts }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'userbox-bench-'));
const port = 4700 + Math.floor(Math.random() * 200);
const origin = `http://127.0.0.1:${port}`;
const service = startProcess(['--import', 'tsx', 'src/server.ts'], {
  cwd: path.join(root, 'auth-service'),
  env: {
    ...process.env,
    PORT: String(port),
    PUBLIC_URL: origin,
    DATABASE_URL: `sqlite:${path.join(dir, 'bench.sqlite')}`,
    AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'info',
  },
});
service.stdout.resume(); // the request log goes nowhere, but it is still written, as in production
let bare;
try {
  await waitFor(`${origin}/readyz`);
  const headers = { 'content-type': 'application/json', origin };
  const users = [];
  for (let i = 0; i < 40; i++) {
    const user = { email: `bench${i}@example.test`, name: 'Bench Mark', password: `bench password ${i}` };
    const res = await fetch(`${origin}/api/users`, { method: 'POST', headers, body: JSON.stringify(user) });
    if (res.status !== 201) throw new Error(`sign-up failed: ${res.status}`);
    users.push(user);
  }
  const login = await fetch(`${origin}/api/session`, { method: 'POST', headers, body: JSON.stringify({ email: users[0].email, password: users[0].password }) });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const meBody = await (await fetch(`${origin}/api/me`, { headers: { cookie } })).json();
  if (!meBody.user) throw new Error('the benchmark session does not work');

  bare = startProcess([path.join(here, 'bare-servers.mjs')], { cwd: root, env: { ...process.env, BENCH_BODY: JSON.stringify(meBody) } });
  const ports = JSON.parse(await firstLine(bare));

  const targets = [
    ['node:http (bare)', `http://127.0.0.1:${ports.node}/api/me`, {}],
    ['Express 5 (bare route)', `http://127.0.0.1:${ports.express}/api/me`, {}],
    ['Userbox GET /api/me (SQLite, signed in)', `${origin}/api/me`, { cookie }],
    ['Userbox GET /api/me (signed out)', `${origin}/api/me`, {}],
  ];
  const results = [];
  for (const [name, url, hdrs] of targets) {
    await run({ url, headers: hdrs, duration: 1 }); // warm-up
    const r = await run({ url, headers: hdrs });
    if (r.non2xx || r.errors) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    results.push({ name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 });
  }
  const express = results[1].rps;
  const nodeRps = results[0].rps;
  console.log(`\nGET /api/me vs bare routes (autocannon -c ${connections}, ${seconds} s each, 127.0.0.1)`);
  console.table(results.map((r) => ({ target: r.name, 'req/s': Math.round(r.rps), 'p50 ms': r.p50, 'p99 ms': r.p99, 'vs Express': (r.rps / express).toFixed(2), 'vs node:http': (r.rps / nodeRps).toFixed(3) })));
  const ratio = results[2].rps / express;
  console.log(`Target: /api/me (signed in) ≥ 0.70 × bare Express → measured ${ratio.toFixed(2)} ${ratio >= 0.7 ? 'MET' : 'NOT MET'}`);

  // /api/me while 20 password sign-ins per second run beside it (argon2id on libuv's pool).
  const quiet = results[2];
  let logins = 0;
  let loginFailures = 0;
  let stop = false;
  const storm = (async () => {
    let i = 0;
    while (!stop) {
      const started = Date.now();
      const batch = [];
      for (let k = 0; k < 20 && !stop; k++) {
        const u = users[(i++ % (users.length - 1)) + 1];
        batch.push(
          fetch(`${origin}/api/session`, { method: 'POST', headers, body: JSON.stringify({ email: u.email, password: u.password }) }).then(
            (r) => (r.ok ? logins++ : loginFailures++),
          ),
        );
        await new Promise((r) => setTimeout(r, 50));
      }
      await Promise.all(batch);
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
    }
  })();
  const during = await run({ url: `${origin}/api/me`, headers: { cookie } });
  stop = true;
  await storm;
  console.log(`\nGET /api/me during a login storm (~20 argon2id sign-ins/s beside it)`);
  console.table([
    { phase: 'quiet', 'req/s': Math.round(quiet.rps), 'p50 ms': quiet.p50, 'p99 ms': quiet.p99 },
    { phase: `during storm (${logins} sign-ins ok, ${loginFailures} failed)`, 'req/s': Math.round(during.requests.average), 'p50 ms': during.latency.p50, 'p99 ms': during.latency.p99 },
  ]);

  // Unknown email vs wrong password: the same work (a dummy hash), so the same time.
  async function timeLogins(email, n = 30) {
    const times = [];
    for (let k = 0; k < n; k++) {
      const t0 = performance.now();
      await fetch(`${origin}/api/session`, { method: 'POST', headers, body: JSON.stringify({ email, password: 'not the password' }) });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(n / 2)];
  }
  const wrong = await timeLogins(users[users.length - 1].email);
  const unknown = await timeLogins('nobody-here@example.test');
  console.log(`\nFailed sign-in, median of 30: wrong password ${wrong.toFixed(1)} ms, unknown email ${unknown.toFixed(1)} ms, ratio ${(unknown / wrong).toFixed(2)}`);

  mkdirSync(path.join(here, 'results'), { recursive: true });
  const file = path.join(here, 'results', `api-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ seconds, connections, results, meVsExpress: ratio, storm: { logins, loginFailures, p50: during.latency.p50, p99: during.latency.p99, rps: during.requests.average }, timing: { wrongMs: wrong, unknownMs: unknown } }, null, 2));
  console.log(`\nSaved ${path.relative(root, file)}`);
} finally {
  service.kill('SIGTERM');
  bare?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
