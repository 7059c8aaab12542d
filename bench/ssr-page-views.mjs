// `npm run bench -- ssr-page-views` (also part of `npm run bench`): what N server-rendered page views of a signed-in
// user cost the account service, on the Express SSR and Python hosts, before back-channel logout (the host asks
// /userinfo on every page: USERBOX_CHECK_EVERY_PAGE=1) and after (the host session, ended by a logout token).
// A benchmark, not a test: it prints what it saw. Each host's back end reaches the service through a counting proxy
// in this process, so every request the host makes is counted, and nothing else; the box's own requests from the
// browser are another benchmark's (page-views). Loopback only, plain http, SQLite; bounded (BENCH_SSR_VIEWS, 50).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appEntries, hostDir, hostEnv, hostExamples, repoRoot, startProcess, unavailable, waitUntilAnswering } from '../scripts/family.mjs';
import { freePort, saveResult } from './lib.mjs';

const views = Number(process.env.BENCH_SSR_VIEWS ?? 50);
const hosts = hostExamples.filter((h) => h.id === 'express-ssr' || h.id === 'python').filter((h) => {
  const why = unavailable(h);
  if (why) console.log(`${h.id}: skipped (${why})`);
  return !why;
});

/** A reverse proxy to `target` that counts what passes, by method and path. */
async function countingProxy(target) {
  const counts = { total: 0, byRoute: new Map() };
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    counts.total += 1;
    const route = `${req.method} ${(req.url ?? '').split('?')[0]}`;
    counts.byRoute.set(route, (counts.byRoute.get(route) ?? 0) + 1);
    const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    counts,
    reset() {
      counts.total = 0;
      counts.byRoute.clear();
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** A cookie jar over fetch with manual redirects: just enough browser for a code flow and page views. */
function browser() {
  const jar = new Map();
  const cookieFor = (url) => [...(jar.get(new URL(url).host) ?? new Map())].map(([k, v]) => `${k}=${v}`).join('; ');
  async function get(url, init = {}) {
    const res = await fetch(url, { redirect: 'manual', ...init, headers: { cookie: cookieFor(url), accept: 'text/html', ...init.headers } });
    const cookies = jar.get(new URL(url).host) ?? new Map();
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = pair.split('=');
      if (/Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(name);
      else cookies.set(name, value);
    }
    jar.set(new URL(url).host, cookies);
    return res;
  }
  /** Follows redirects (up to 10) and answers the last response. */
  async function follow(url) {
    let res = await get(url);
    for (let i = 0; i < 10 && res.status >= 300 && res.status < 400; i++) res = await get(new URL(res.headers.get('location'), url).href);
    return res;
  }
  return { get, follow };
}

const dir = mkdtempSync(path.join(tmpdir(), 'userbox-ssr-bench-'));
const servicePort = await freePort();
const serviceUrl = `http://127.0.0.1:${servicePort}`;
const ports = Object.fromEntries(await Promise.all(hosts.map(async (h) => [h.id, await freePort()])));
const urlOf = (h) => `http://127.0.0.1:${ports[h.id]}`;
const appsFile = path.join(dir, 'apps.json');
writeFileSync(appsFile, JSON.stringify({ apps: hosts.flatMap((h) => appEntries(h, urlOf(h))) }));
const service = startProcess(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
  cwd: path.join(repoRoot, 'auth-service'),
  env: { PORT: String(servicePort), HOST: '127.0.0.1', PUBLIC_URL: serviceUrl, DATABASE_URL: `sqlite:${path.join(dir, 'userbox.sqlite')}`, APPS_FILE: appsFile, LOG_LEVEL: 'warn', AUTH_RATE_LIMIT_PER_MINUTE: '100000' },
});
const rows = {};
const routes = {};
try {
  await waitUntilAnswering(`${serviceUrl}/readyz`, { strict: true, exited: () => service.child.exitCode, output: service.output });
  for (const host of hosts) {
    for (const checkEveryPage of [true, false]) {
      const proxy = await countingProxy(new URL(serviceUrl));
      const env = { ...hostEnv({ host, url: urlOf(host), port: ports[host.id], serviceUrl, serviceInternalUrl: proxy.url }), USERBOX_CHECK_EVERY_PAGE: checkEveryPage ? '1' : '0' };
      const running = startProcess(host.command, [host.entry], { cwd: hostDir(host), env });
      try {
        await waitUntilAnswering(`${urlOf(host)}/`, { exited: () => running.child.exitCode, output: running.output });
        // A user signed in at the service, then at the host through its back end (the code flow).
        const b = browser();
        const email = `bench-${host.id}-${checkEveryPage}-${Date.now()}@example.test`;
        const password = 'a long enough password for the bench';
        const json = { 'content-type': 'application/json', origin: serviceUrl };
        await fetch(`${serviceUrl}/api/users`, { method: 'POST', headers: json, body: JSON.stringify({ email, name: 'Ada Lovelace', password }) });
        await b.get(`${serviceUrl}/api/session`, { method: 'POST', headers: json, body: JSON.stringify({ email, password }) });
        const orders = await b.follow(`${urlOf(host)}/login?return_to=/orders`);
        if (orders.status !== 200 || !(await orders.text()).includes(email)) throw new Error(`${host.id}: the sign-in did not reach /orders (${orders.status})`);
        proxy.reset();
        const started = performance.now();
        for (let i = 0; i < views; i++) {
          const page = await b.get(`${urlOf(host)}/`);
          if (page.status !== 200 || !(await page.text()).includes('Hello, Ada Lovelace')) throw new Error(`${host.id}: page view ${i} was not signed in`);
        }
        const ms = performance.now() - started;
        const name = `${host.name}, ${checkEveryPage ? 'before: /userinfo on every page' : 'after: back-channel logout'}`;
        rows[name] = {
          [`requests to the service / ${views} views`]: proxy.counts.total,
          'per view': Number((proxy.counts.total / views).toFixed(2)),
          'ms per view (mean)': Number((ms / views).toFixed(2)),
        };
        routes[name] = [...proxy.counts.byRoute].map(([r, n]) => `${r} ×${n}`).join(', ') || 'none';
      } finally {
        await new Promise((resolve) => {
          if (running.child.exitCode !== null) return resolve();
          running.child.once('exit', resolve);
          running.child.kill('SIGTERM');
        });
        await proxy.close();
      }
    }
  }
} finally {
  await new Promise((resolve) => {
    if (service.child.exitCode !== null) return resolve();
    service.child.once('exit', resolve);
    service.child.kill('SIGTERM');
  });
  rmSync(dir, { recursive: true, force: true });
}
saveResult('ssr-page-views', { views, rows, routes });
console.log(`${views} server-rendered page views of a signed-in user on each SSR host; requests its back end sent the service:`);
console.table(rows);
for (const [name, r] of Object.entries(routes)) console.log(`${name}: ${r}`);
