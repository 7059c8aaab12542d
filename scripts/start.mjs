// `npm start`: the account service and every host example, registered as one family of apps, on localhost.
// Ctrl-C stops them all. DEMO_BASE_PORT moves the whole set (default 4000: service 4000, hosts 4001–4004).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const base = Number(process.env.DEMO_BASE_PORT ?? 4000);
const serviceUrl = `http://localhost:${base}`;

const hosts = [
  { id: 'static', name: 'Static HTML', icon: 'news', stack: 'plain HTML + the snippet', port: base + 1, command: process.execPath, entry: 'server.mjs' },
  { id: 'express-ssr', name: 'Express SSR', icon: 'shop', stack: 'Express, server-rendered', port: base + 2, command: process.execPath, entry: 'server.mjs' },
  { id: 'react', name: 'React', icon: 'photos', stack: 'React + Vite SPA', port: base + 3, command: process.execPath, entry: 'server.mjs' },
  { id: 'python', name: 'Python', icon: 'docs', stack: 'Python http.server', port: base + 4, command: 'python3', entry: 'server.py' },
].map((host) => ({ ...host, url: `http://localhost:${host.port}`, dir: path.join(root, 'host-examples', host.id) }));

/** Why a host cannot run here (its server is not written yet, or no python3), or null. */
function unavailable(host) {
  if (!existsSync(path.join(host.dir, host.entry))) return `host-examples/${host.id}/${host.entry} is missing`;
  if (host.command === 'python3' && spawnSync('python3', ['--version']).status !== 0) return 'python3 is not installed';
  return null;
}
const skipped = new Map(hosts.map((h) => [h.id, unavailable(h)]).filter(([, why]) => why));
const running = hosts.filter((h) => !skipped.has(h.id));

// The family: every host that runs, so each launcher shows the others. Generated, in the service's data dir
// (gitignored), and passed as APPS_FILE; the committed userbox.apps.json stays as it is.
const dataDir = path.join(root, 'auth-service', 'data');
mkdirSync(dataDir, { recursive: true });
const appsFile = path.join(dataDir, 'demo-apps.json');
const redirectUris = (h) => (h.id === 'react' ? [`${h.url}/`] : [`${h.url}/callback`, `${h.url}/`, `${h.url}/orders`]);
writeFileSync(
  appsFile,
  `${JSON.stringify(
    {
      apps: running.map((h) => ({ id: h.id, name: h.name, url: `${h.url}/`, icon: h.icon, origins: [h.url], redirectUris: redirectUris(h) })),
    },
    null,
    2,
  )}\n`,
);

const children = [];
let demoAccount = null;

const service = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
  cwd: path.join(root, 'auth-service'),
  // Warnings only, so the demo password and the table below are not lost among request logs.
  env: { SEED_DEMO_USER: 'true', LOG_LEVEL: 'warn', ...process.env, PORT: String(base), APPS_FILE: appsFile },
  stdio: ['ignore', 'pipe', 'inherit'],
});
// The service prints the demo password once, on the first start; the summary repeats it so it is not lost.
service.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  demoAccount ??= /Demo account created: (\S+) \/ (\S+)/.exec(chunk.toString());
});
children.push(service);

for (const host of running) {
  children.push(
    spawn(host.command, [host.entry], {
      cwd: host.dir,
      env: {
        ...process.env,
        PORT: String(host.port),
        HOST: '127.0.0.1',
        PUBLIC_URL: host.url,
        USERBOX_SERVICE_URL: serviceUrl,
        USERBOX_SERVICE_INTERNAL_URL: `http://127.0.0.1:${base}`,
        USERBOX_CLIENT_ID: host.id,
      },
      stdio: 'inherit',
    }),
  );
}

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  process.exitCode = code;
}
for (const child of children) child.on('exit', (code) => stop(code ?? 0));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

function answers(url) {
  return new Promise((resolve) => {
    http.get(url, { timeout: 1000 }, (res) => resolve((res.resume(), res.statusCode < 500))).on('error', () => resolve(false));
  });
}

async function waitUntilUp(url) {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && !stopping; ) {
    if (await answers(url)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

const up = await Promise.all([
  waitUntilUp(`http://127.0.0.1:${base}/readyz`),
  ...running.map((h) => waitUntilUp(`http://127.0.0.1:${h.port}/`)),
]);
if (!stopping) {
  const rows = [
    ['account service', 'Express 5 + OpenID provider', serviceUrl, up[0]],
    ...running.map((h, i) => [h.name, h.stack, h.url, up[i + 1]]),
  ];
  const width = (i) => Math.max(...rows.map((r) => r[i].length));
  const lines = rows.map(
    ([name, stack, url, ok]) => `    ${name.padEnd(width(0))}  ${url.padEnd(width(2))}  ${stack}${ok ? '' : '  (not answering)'}`,
  );
  for (const [id, why] of skipped) lines.push(`    ${id}: not started (${why})`);
  const account = demoAccount
    ? `Demo account: ${demoAccount[1]} / ${demoAccount[2]}   (the password is shown only this once)`
    : 'Demo account: demo@example.com (its password was printed on the first start; delete auth-service/data/ for a new one)';
  console.log(`
  Userbox is running. Each host's launcher lists the others; sign in on one and every one shows you.

${lines.join('\n')}

  ${account}
  Press Ctrl-C to stop.
`);
}
