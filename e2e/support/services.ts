import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHostPages } from './host-pages.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface RunningServices {
  serviceUrl: string;
  /** Where Node (not the browser) reaches the service: the *.test names resolve only inside Chromium. */
  serviceDirectUrl: string;
  newsUrl: string;
  /** The test-only host pages (support/host-pages.ts) on another same-site name: the Mail app. */
  mailUrl: string;
  /** The same host pages on another registrable domain (token mode): the Shop app. */
  shopUrl: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function makeCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-subj', '/CN=userbox.test',
    '-addext', 'subjectAltName=DNS:*.example.test,DNS:*.other.test,DNS:localhost,IP:127.0.0.1',
    '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  return { cert, key };
}

async function waitForHttps(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url} exited with ${child.exitCode}:\n${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      https
        .get(url, { rejectUnauthorized: false, timeout: 1000 }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up in 30 s:\n${output()}`);
}

function start(command: string, args: string[], cwd: string, env: Record<string, string>) {
  let log = '';
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  return { child, output: () => log };
}

/**
 * Starts the account service at https://accounts.example.test:<port> and the static host at
 * https://news.example.test:<port>, on a fresh SQLite file and a self-signed certificate.
 */
export async function startServices(): Promise<RunningServices> {
  mkdirSync(path.join(repoRoot, '.e2e-tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(repoRoot, '.e2e-tmp', 'run-'));
  const tls = makeCertificate(dir);
  const [servicePort, newsPort, hostPort] = [await freePort(), await freePort(), await freePort()];
  const serviceUrl = `https://accounts.example.test:${servicePort}`;
  const newsUrl = `https://news.example.test:${newsPort}`;
  const mailUrl = `https://mail.example.test:${hostPort}`;
  const calendarUrl = `https://calendar.example.test:${hostPort}`;
  const shopUrl = `https://shop.other.test:${hostPort}`;
  const appsFile = path.join(dir, 'apps.json');
  // The launcher lists these: one of the service's bundled icons, an https icon from elsewhere (the host pages),
  // and an app without an icon.
  writeFileSync(
    appsFile,
    JSON.stringify({
      apps: [
        { id: 'news', name: 'News', url: `${newsUrl}/`, origins: [newsUrl], icon: 'news' },
        { id: 'mail', name: 'Mail', url: `${mailUrl}/`, origins: [mailUrl], icon: `${mailUrl}/icons/mail.svg` },
        { id: 'calendar', name: 'Calendar', url: `${calendarUrl}/`, origins: [calendarUrl], icon: null },
        // Another site: its box signs in through the OIDC provider (token mode), returning to its pages.
        {
          id: 'shop',
          name: 'Shop',
          url: `${shopUrl}/`,
          origins: [shopUrl],
          icon: null,
          redirectUris: [`${shopUrl}/`, `${shopUrl}/cart`],
        },
      ],
    }),
  );

  const service = start(process.execPath, ['--import', 'tsx', 'src/server.ts'], path.join(repoRoot, 'auth-service'), {
    PORT: String(servicePort),
    HOST: '127.0.0.1',
    PUBLIC_URL: serviceUrl,
    DATABASE_URL: `sqlite:${path.join(dir, 'userbox.sqlite')}`,
    APPS_FILE: appsFile,
    TLS_CERT_FILE: tls.cert,
    TLS_KEY_FILE: tls.key,
    LOG_LEVEL: 'warn',
    // Every test signs up and in from 127.0.0.1; the per-IP limit has its own API tests.
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
  });
  const news = start(process.execPath, ['server.mjs'], path.join(repoRoot, 'host-examples/static'), {
    PORT: String(newsPort),
    HOST: '127.0.0.1',
    USERBOX_SERVICE_URL: serviceUrl,
    TLS_CERT_FILE: tls.cert,
    TLS_KEY_FILE: tls.key,
  });
  const children = [service, news];
  const hostPages = await startHostPages({ port: hostPort, serviceUrl, tls: { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } });
  const stop = async () => {
    await new Promise((resolve) => hostPages.close(resolve));
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttps(`https://127.0.0.1:${servicePort}/readyz`, service.child, service.output);
    await waitForHttps(`https://127.0.0.1:${newsPort}/`, news.child, news.output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { serviceUrl, serviceDirectUrl: `https://127.0.0.1:${servicePort}`, newsUrl, mailUrl, shopUrl, stop };
}
