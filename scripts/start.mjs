// `npm start`: the account service and every host example, registered as one family of apps, on localhost.
// Ctrl-C stops them all. DEMO_BASE_PORT moves the whole set (default 4000: service 4000, hosts 4001–4004).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appEntries, hostDir, hostEnv, hostExamples, repoRoot, startProcess, unavailable, waitUntilAnswering } from './family.mjs';

const base = Number(process.env.DEMO_BASE_PORT ?? 4000);
const serviceUrl = `http://localhost:${base}`;

// Every host on localhost, one port each after the service's.
const hosts = hostExamples.map((host, i) => ({ ...host, port: base + 1 + i, url: `http://localhost:${base + 1 + i}` }));
const skipped = new Map(hosts.map((h) => [h.id, unavailable(h)]).filter(([, why]) => why));
const running = hosts.filter((h) => !skipped.has(h.id));

// The family: every host that runs, so each launcher shows the others. Generated, in the service's data dir
// (gitignored), and passed as APPS_FILE; the committed userbox.apps.json stays as it is.
const dataDir = path.join(repoRoot, 'auth-service', 'data');
mkdirSync(dataDir, { recursive: true });
const appsFile = path.join(dataDir, 'demo-apps.json');
writeFileSync(appsFile, `${JSON.stringify({ apps: running.flatMap((h) => appEntries(h, h.url)) }, null, 2)}\n`);

const children = [];
let demoAccount = null;

const service = startProcess(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
  cwd: path.join(repoRoot, 'auth-service'),
  // Warnings only, so the demo password and the table below are not lost among request logs.
  env: { SEED_DEMO_USER: 'true', LOG_LEVEL: 'warn', ...process.env, PORT: String(base), APPS_FILE: appsFile },
});
// The service prints the demo password once, on the first start; the summary repeats it so it is not lost.
service.child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  demoAccount ??= /Demo account created: (\S+) \/ (\S+)/.exec(chunk.toString());
});
service.child.stderr.pipe(process.stderr);
children.push(service.child);

for (const host of running) {
  const env = hostEnv({ host, url: host.url, port: host.port, serviceUrl, serviceInternalUrl: `http://127.0.0.1:${base}` });
  children.push(startProcess(host.command, [host.entry], { cwd: hostDir(host), env, inherit: true }).child);
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

/** True once `url` answers, false when it does not within a minute or the demo is stopping. */
const up = await Promise.all(
  [`http://127.0.0.1:${base}/readyz`, ...running.map((h) => `http://127.0.0.1:${h.port}/`)].map((url) =>
    waitUntilAnswering(url, { timeoutMs: 60_000, exited: () => (stopping ? 0 : null) }).then(
      () => true,
      () => false,
    ),
  ),
);
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
  // Without SMTP_URL the service keeps every mail (verification and reset links) in its outbox page.
  if (!process.env.SMTP_URL) lines.push(`    ${'mail outbox'.padEnd(width(0))}  ${serviceUrl}/dev/outbox`);
  console.log(`
  Userbox is running. Each host's launcher lists the others; sign in on one and every one shows you.

${lines.join('\n')}

  ${account}
  Press Ctrl-C to stop.
`);
}
