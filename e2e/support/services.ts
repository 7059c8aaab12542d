import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  /** The React host example, same site as the service (cookie mode). */
  reactUrl: string;
  /** The Python host example, same site as the service. */
  pythonUrl: string;
  /** The Express SSR host example, on another site: its box runs in token mode. */
  ssrUrl: string;
  /** The registered apps, in the launcher's order. */
  apps: { id: string; name: string; url: string; icon: string | null }[];
  /** Host examples that could not be started here (their folder has no server yet, or no python3), with why. */
  missingHosts: Record<string, string>;
  stop(): Promise<void>;
}

/** A host example from host-examples/<folder>, started as its README says, on the contract's variables. */
interface HostExample {
  folder: string;
  command: string;
  entry: string;
  url: string;
  port: number;
}

/**
 * `count` distinct free ports. All are held open until every one is chosen: one at a time, the system may hand
 * out a port just released, and two of our servers would then race for it (seen in CI: a host answered on the
 * service's address).
 */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
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

/**
 * Waits until `url` answers. Up is enough for a host (a host page may redirect: the SSR host bounces through the
 * provider once); the service must answer `/readyz` itself, 200 with JSON, so nothing else on its port passes.
 */
async function waitForHttps(url: string, child: ChildProcess, output: () => string, strict = false): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url} exited with ${child.exitCode}:\n${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      https
        .get(url, { rejectUnauthorized: false, timeout: 1000 }, (res) => {
          res.resume();
          const status = res.statusCode ?? 500;
          resolve(strict ? status === 200 && /^application\/json/.test(res.headers['content-type'] ?? '') : status < 500);
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

function commandExists(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the account service at https://accounts.example.test:<port>, the host examples (static as
 * https://news.example.test, react and python on *.example.test, express-ssr on ssr.other.test) and the
 * test-only host pages, on a fresh SQLite file and a self-signed certificate.
 */
export async function startServices(): Promise<RunningServices> {
  mkdirSync(path.join(repoRoot, '.e2e-tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(repoRoot, '.e2e-tmp', 'run-'));
  const tls = makeCertificate(dir);
  const [servicePort, newsPort, hostPort, reactPort, pythonPort, ssrPort] = (await freePorts(6)) as [number, number, number, number, number, number];
  const serviceUrl = `https://accounts.example.test:${servicePort}`;
  const newsUrl = `https://news.example.test:${newsPort}`;
  const mailUrl = `https://mail.example.test:${hostPort}`;
  const calendarUrl = `https://calendar.example.test:${hostPort}`;
  const shopUrl = `https://shop.other.test:${hostPort}`;
  const reactUrl = `https://react.example.test:${reactPort}`;
  const pythonUrl = `https://python.example.test:${pythonPort}`;
  const ssrUrl = `https://ssr.other.test:${ssrPort}`;
  // Back ends that sign in by the code flow come back to any of these.
  const backEndRedirects = (url: string) => [`${url}/callback`, `${url}/`, `${url}/orders`];
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
        // The host examples (host-examples/*), each proving the same behaviour in its own project.
        { id: 'react', name: 'React', url: `${reactUrl}/`, origins: [reactUrl], icon: 'photos', redirectUris: [`${reactUrl}/`] },
        { id: 'python', name: 'Python', url: `${pythonUrl}/`, origins: [pythonUrl], icon: 'docs', redirectUris: backEndRedirects(pythonUrl) },
        // Another site, like Shop: its back end signs in by the code flow, its box in token mode.
        { id: 'express-ssr', name: 'Express SSR', url: `${ssrUrl}/`, origins: [ssrUrl], icon: 'shop', redirectUris: backEndRedirects(ssrUrl) },
      ],
    }),
  );
  const apps = (JSON.parse(readFileSync(appsFile, 'utf8')) as { apps: RunningServices['apps'] }).apps.map(
    ({ id, name, url, icon }) => ({ id, name, url, icon }),
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
  const examples: HostExample[] = [
    { folder: 'react', command: process.execPath, entry: 'server.mjs', url: reactUrl, port: reactPort },
    { folder: 'python', command: 'python3', entry: 'server.py', url: pythonUrl, port: pythonPort },
    { folder: 'express-ssr', command: process.execPath, entry: 'server.mjs', url: ssrUrl, port: ssrPort },
  ];
  const missingHosts: Record<string, string> = {};
  const started: { example: HostExample; running: ReturnType<typeof start> }[] = [];
  for (const example of examples) {
    const cwd = path.join(repoRoot, 'host-examples', example.folder);
    if (!existsSync(path.join(cwd, example.entry))) {
      missingHosts[example.folder] = `host-examples/${example.folder}/${example.entry} does not exist`;
      continue;
    }
    if (example.command === 'python3' && !commandExists('python3')) {
      missingHosts[example.folder] = 'python3 is not installed';
      continue;
    }
    const running = start(example.command, [example.entry], cwd, {
      PORT: String(example.port),
      HOST: '127.0.0.1',
      PUBLIC_URL: example.url,
      USERBOX_SERVICE_URL: serviceUrl,
      USERBOX_SERVICE_INTERNAL_URL: `https://127.0.0.1:${servicePort}`,
      USERBOX_CLIENT_ID: example.folder,
      TLS_CERT_FILE: tls.cert,
      TLS_KEY_FILE: tls.key,
      USERBOX_CA_FILE: tls.cert,
      NODE_EXTRA_CA_CERTS: tls.cert,
    });
    children.push(running);
    started.push({ example, running });
  }
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
    await waitForHttps(`https://127.0.0.1:${servicePort}/readyz`, service.child, service.output, true);
    await waitForHttps(`https://127.0.0.1:${newsPort}/`, news.child, news.output);
  } catch (err) {
    await stop();
    throw err;
  }
  // A host example that does not come up fails its own tests (fixtures.ts reads why), not the whole run.
  await Promise.all(
    started.map(async ({ example, running }) => {
      try {
        await waitForHttps(`https://127.0.0.1:${example.port}/`, running.child, running.output);
      } catch (err) {
        missingHosts[example.folder] = `it did not start: ${(err as Error).message.slice(0, 2000)}`;
        if (running.child.exitCode === null) running.child.kill('SIGTERM');
      }
    }),
  );
  return {
    serviceUrl,
    serviceDirectUrl: `https://127.0.0.1:${servicePort}`,
    newsUrl,
    mailUrl,
    shopUrl,
    reactUrl,
    pythonUrl,
    ssrUrl,
    apps,
    missingHosts,
    stop,
  };
}
