// Shared by the benchmarks: start the service and the baselines as their own processes, measure with
// autocannon, save results. Every server runs in its own process so the load generator has its own core.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..');
export const seconds = Number(process.env.BENCH_SECONDS ?? 6);
export const connections = 50;

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor(url) {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

export function firstLine(child) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (d) => {
      buffer += d;
      const nl = buffer.indexOf('\n');
      if (nl >= 0) resolve(buffer.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing its port`)));
  });
}

/** The account service as a child process; its request log is written (as in production) and discarded. */
export async function startService(env) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: path.join(root, 'auth-service'),
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', AUTH_RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.resume();
  await waitFor(`${url}/readyz`);
  return { url, child, stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM')))) };
}

/** Bare Express 5 and node:http routes answering `body` at /api/me, in one child process. */
export async function startBaselines(body) {
  const child = spawn(process.execPath, [path.join(here, 'bare-servers.mjs')], {
    cwd: root,
    env: { ...process.env, BENCH_BODY: JSON.stringify(body) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ports = JSON.parse(await firstLine(child));
  return {
    pid: child.pid,
    express: `http://127.0.0.1:${ports.express}/api/me`,
    node: `http://127.0.0.1:${ports.node}/api/me`,
    stop: () => child.kill('SIGTERM'),
  };
}

/**
 * Better Auth (bench/better-auth-server.mjs) as a peer, with one user signed up through its own API: the cookie
 * for its get-session route, the /api/me of Better Auth.
 */
export async function startBetterAuth() {
  const child = spawn(process.execPath, [path.join(here, 'better-auth-server.mjs')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const { port } = JSON.parse(await firstLine(child));
  const url = `http://127.0.0.1:${port}`;
  const stop = () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM'))));
  try {
    const signUp = await fetch(`${url}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify({ email: 'bench@example.test', name: 'Bench Mark', password: 'bench password 1234' }),
    });
    if (signUp.status !== 200) throw new Error(`Better Auth sign-up failed: ${signUp.status} ${await signUp.text()}`);
    const cookie = signUp.headers.get('set-cookie').split(';')[0];
    const session = await (await fetch(`${url}/api/auth/get-session`, { headers: { cookie } })).json();
    if (!session?.user) throw new Error('the Better Auth benchmark session does not work');
    return { pid: child.pid, url: `${url}/api/auth/get-session`, cookie, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Signs a user up and in; returns the cookie and the /api/me body it gets. */
export async function signedInUser(serviceUrl, origin, email = `bench-${Date.now()}@example.test`) {
  const headers = { 'content-type': 'application/json', origin };
  const user = { email, name: 'Bench Mark', password: 'bench password 1234' };
  const created = await fetch(`${serviceUrl}/api/users`, { method: 'POST', headers, body: JSON.stringify(user) });
  if (created.status !== 201) throw new Error(`sign-up failed: ${created.status} ${await created.text()}`);
  const login = await fetch(`${serviceUrl}/api/session`, { method: 'POST', headers, body: JSON.stringify({ email, password: user.password }) });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const me = await (await fetch(`${serviceUrl}/api/me`, { headers: { cookie } })).json();
  if (!me.user) throw new Error('the benchmark session does not work');
  return { cookie, me, user };
}

function run(opts) {
  return new Promise((resolve, reject) => autocannon({ connections, duration: seconds, ...opts }, (err, r) => (err ? reject(err) : resolve(r))));
}

/** CPU seconds (user + system) a process has used, from /proc: 0 where there is no /proc. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/**
 * One warm-up second, then `seconds` of load; refuses a run with errors or non-2xx answers. With `pids`
 * (the server processes), also the server CPU time per request: unlike req/s it hardly moves when other
 * work shares the machine, so its ratios are the steadier ones.
 */
export async function measure(name, url, headers = {}, pids = []) {
  await run({ url, headers, duration: 1 });
  const cpuBefore = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const r = await run({ url, headers });
  const cpu = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpuBefore;
  if (r.non2xx || r.errors) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  const cpuUsPerRequest = pids.length && r.requests.total ? (cpu * 1e6) / r.requests.total : null;
  return { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, cpuUsPerRequest };
}

/** A table row with ratios to the baselines (throughput, and server CPU per request where measured). */
export function row(r, express, node) {
  const cpu = r.cpuUsPerRequest;
  return {
    target: r.name,
    'req/s': Math.round(r.rps),
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    'vs Express': (r.rps / express.rps).toFixed(2),
    'vs node:http': (r.rps / node.rps).toFixed(3),
    'CPU µs/req': cpu ? Math.round(cpu) : '',
    'Express CPU ÷ this': cpu && express.cpuUsPerRequest ? (express.cpuUsPerRequest / cpu).toFixed(2) : '',
  };
}

export function saveResult(name, data) {
  mkdirSync(path.join(here, 'results'), { recursive: true });
  const file = path.join(here, 'results', `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2));
  console.log(`Saved ${path.relative(root, file)}`);
}
