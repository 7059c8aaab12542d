// `npm run bench` (part): a host back end's route that verifies a Userbox access token against the same route
// without verification, side by side in one run (autocannon on 127.0.0.1). The token comes from a real code
// flow against the account service; the host fetches the JWKS from it. Prints a table, saves JSON under results/.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { firstLine, waitFor } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const connections = 50;
const target = 0.8;

function run(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ connections, duration: seconds, ...opts }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'userbox-bench-verify-'));
const port = 4900 + Math.floor(Math.random() * 90);
const issuer = `http://127.0.0.1:${port}`;
const redirectUri = 'http://127.0.0.1:9/callback';
const appsFile = path.join(dir, 'apps.json');
writeFileSync(appsFile, JSON.stringify({ apps: [{ id: 'bench', name: 'Bench', url: 'http://127.0.0.1:9/', origins: ['http://127.0.0.1:9'], redirectUris: [redirectUri] }] }));

const service = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
  cwd: path.join(root, 'auth-service'),
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...process.env,
    PORT: String(port),
    PUBLIC_URL: issuer,
    DATABASE_URL: `sqlite:${path.join(dir, 'bench.sqlite')}`,
    APPS_FILE: appsFile,
    AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
  },
});
let host;
try {
  await waitFor(`${issuer}/readyz`);

  // A real code flow: sign up, sign in, /authorize with the cookie, /token with the PKCE verifier.
  const json = { 'content-type': 'application/json', origin: issuer };
  const user = { email: 'bench-verify@example.test', name: 'Bench Mark', password: 'bench verify password' };
  if ((await fetch(`${issuer}/api/users`, { method: 'POST', headers: json, body: JSON.stringify(user) })).status !== 201) throw new Error('sign-up failed');
  const login = await fetch(`${issuer}/api/session`, { method: 'POST', headers: json, body: JSON.stringify({ email: user.email, password: user.password }) });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: 'bench',
    redirect_uri: redirectUri,
    scope: 'openid profile',
    state: 's',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const authorized = await fetch(`${issuer}/authorize?${query}`, { headers: { cookie }, redirect: 'manual' });
  const code = new URL(authorized.headers.get('location')).searchParams.get('code');
  if (!code) throw new Error('/authorize gave no code');
  const tokenRes = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: 'bench' }),
  });
  const { access_token: accessToken } = await tokenRes.json();
  if (!accessToken) throw new Error(`/token failed: ${tokenRes.status}`);

  host = spawn(process.execPath, [path.join(here, 'verify-host.mjs')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_ISSUER: issuer, BENCH_AUDIENCE: 'bench' },
  });
  const hostUrl = `http://127.0.0.1:${JSON.parse(await firstLine(host)).port}`;
  const auth = { authorization: `Bearer ${accessToken}` };
  const check = await fetch(`${hostUrl}/verified`, { headers: auth });
  if (check.status !== 200) throw new Error(`the host refused the token: ${check.status}`);

  const targets = [
    { name: 'GET /plain (no verification)', url: `${hostUrl}/plain`, headers: auth },
    { name: 'GET /verified (helper, as shipped)', url: `${hostUrl}/verified`, headers: auth },
    { name: 'GET /verified-uncached (ES256 check every request)', url: `${hostUrl}/verified-uncached`, headers: auth },
  ];
  for (const t of targets) await run({ url: t.url, headers: t.headers, duration: 1 }); // warm-up
  const samples = new Map(targets.map((t) => [t.name, []]));
  // Interleaved rounds, so drift on a shared machine hits every route alike.
  for (let round = 0; round < rounds; round++) {
    for (const t of targets) {
      const r = await run({ url: t.url, headers: t.headers });
      if (r.non2xx || r.errors) throw new Error(`${t.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      samples.get(t.name).push(r);
    }
  }
  // The median of the rounds: one round disturbed by a neighbour on a shared machine does not decide it.
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const results = targets.map((t) => {
    const rs = samples.get(t.name);
    return { name: t.name, rps: median(rs.map((r) => r.requests.average)), p50: median(rs.map((r) => r.latency.p50)), p99: median(rs.map((r) => r.latency.p99)) };
  });
  const plain = results[0].rps;
  console.log(`\nHost route with and without access-token verification (autocannon -c ${connections}, median of ${rounds} interleaved rounds of ${seconds} s, 127.0.0.1)`);
  console.table(results.map((r) => ({ route: r.name, 'req/s': Math.round(r.rps), 'p50 ms': r.p50, 'p99 ms': r.p99, 'vs no verification': (r.rps / plain).toFixed(2) })));
  const ratio = results[1].rps / plain;
  console.log(`Target: verified ≥ ${target.toFixed(2)} × unverified → measured ${ratio.toFixed(2)} ${ratio >= target ? 'MET' : 'NOT MET'}`);

  mkdirSync(path.join(here, 'results'), { recursive: true });
  const file = path.join(here, 'results', `verify-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ seconds, rounds, connections, results, ratio }, null, 2));
  console.log(`Saved ${path.relative(root, file)}`);
} finally {
  service.kill('SIGTERM');
  host?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
