import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  appEntries,
  appEntry,
  hostDir,
  hostEnv,
  hostExamples,
  repoRoot,
  startProcess,
  unavailable,
  waitUntilAnswering,
  type HostExample,
} from '../../scripts/family.mjs';
import { startHostPages } from './host-pages.js';
import { startMailbox, type Mailbox } from './mailbox.js';

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
  /** The SMTP server the service sends its mail to. */
  mailbox: Mailbox;
  /** Host examples that could not be started here (their folder has no server yet, or no python3), with why. */
  missingHosts: Record<string, string>;
  /** The self-signed certificate every server here presents (PEM file), for a browser that should trust it. */
  certFile: string;
  /**
   * The base64 SHA-256 of that certificate's public key, for `--ignore-certificate-errors-spki-list`: Chromium
   * fetches FedCM's files and endpoints itself, where `ignoreHTTPSErrors` does not reach.
   */
  certSpki: string;
  stop(): Promise<void>;
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

function makeCertificate(dir: string): { cert: string; key: string; spki: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-subj', '/CN=userbox.test',
    '-addext', 'subjectAltName=DNS:*.example.test,DNS:*.other.test,DNS:localhost,IP:127.0.0.1',
    '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  const publicKey = createPublicKey(readFileSync(cert)).export({ type: 'spki', format: 'der' });
  return { cert, key, spki: createHash('sha256').update(publicKey).digest('base64') };
}

export interface StartOptions {
  /**
   * Hears every request the service answered, from its own request log (the service then logs at `info`):
   * what the page-views benchmark counts, as seen from outside the browser.
   */
  onServiceRequest?: (request: { method: string; path: string; status: number }) => void;
}

/** Where each host example runs in the tests: same site as the service (cookie mode) but for Express SSR. */
const hostNames: Record<HostExample['id'], string> = {
  static: 'news.example.test',
  react: 'react.example.test',
  python: 'python.example.test',
  // Another site: its back end signs in by the code flow, its box in token mode.
  'express-ssr': 'ssr.other.test',
};

/**
 * Starts the account service at https://accounts.example.test:<port>, the host examples (static as
 * https://news.example.test, react and python on *.example.test, express-ssr on ssr.other.test) and the
 * test-only host pages, on a fresh SQLite file and a self-signed certificate. The hosts are registered and
 * started as `npm start` does it (scripts/family.mjs), on these names.
 */
export async function startServices({ onServiceRequest }: StartOptions = {}): Promise<RunningServices> {
  mkdirSync(path.join(repoRoot, '.e2e-tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(repoRoot, '.e2e-tmp', 'run-'));
  const tls = makeCertificate(dir);
  const [servicePort, hostPort, ...examplePorts] = (await freePorts(2 + hostExamples.length)) as [number, number, ...number[]];
  const serviceUrl = `https://accounts.example.test:${servicePort}`;
  const serviceDirectUrl = `https://127.0.0.1:${servicePort}`;
  const mailUrl = `https://mail.example.test:${hostPort}`;
  const calendarUrl = `https://calendar.example.test:${hostPort}`;
  const shopUrl = `https://shop.other.test:${hostPort}`;
  const examples = hostExamples.map((host, i) => {
    const port = examplePorts[i]!;
    return { host, port, url: `https://${hostNames[host.id]}:${port}` };
  });
  const urlOf = (id: HostExample['id']) => examples.find((e) => e.host.id === id)!.url;
  const newsUrl = urlOf('static');
  const appsFile = path.join(dir, 'apps.json');
  const registry = [
    // The static host is the launcher's News; the launcher also lists one of the service's bundled icons, an
    // https icon from elsewhere (the host pages) and an app without an icon.
    { ...appEntry(hostExamples[0]!, newsUrl), id: 'news', name: 'News' },
    { id: 'mail', name: 'Mail', url: `${mailUrl}/`, origins: [mailUrl], icon: `${mailUrl}/icons/mail.svg` },
    { id: 'calendar', name: 'Calendar', url: `${calendarUrl}/`, origins: [calendarUrl], icon: null },
    // Another site: its box signs in through the OIDC provider (token mode), returning to its pages.
    { id: 'shop', name: 'Shop', url: `${shopUrl}/`, origins: [shopUrl], icon: null, redirectUris: [`${shopUrl}/`, `${shopUrl}/cart`] },
    // The other host examples, each proving the same behaviour in its own project.
    // Their back-channel logout endpoints by address: the service resolves no *.test name (only the browser does).
    ...examples.filter((e) => e.host.id !== 'static').flatMap((e) => appEntries(e.host, e.url, `https://127.0.0.1:${e.port}`)),
  ];
  writeFileSync(appsFile, JSON.stringify({ apps: registry }));
  // What the launcher lists: the hidden entries are clients, not apps.
  const apps = registry.filter((a) => !('hidden' in a && a.hidden)).map(({ id, name, url, icon }) => ({ id, name, url, icon }));
  const mailbox = await startMailbox();

  const service = startProcess(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: path.join(repoRoot, 'auth-service'),
    env: {
      PORT: String(servicePort),
      HOST: '127.0.0.1',
      PUBLIC_URL: serviceUrl,
      DATABASE_URL: `sqlite:${path.join(dir, 'userbox.sqlite')}`,
      APPS_FILE: appsFile,
      TLS_CERT_FILE: tls.cert,
      TLS_KEY_FILE: tls.key,
      LOG_LEVEL: onServiceRequest ? 'info' : 'warn',
      // Every test signs up and in from 127.0.0.1; the per-IP limit has its own API tests.
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      // Mail goes through the real SMTP path, to the test's own server.
      SMTP_URL: mailbox.url,
      MAIL_FROM: 'Userbox <accounts@example.test>',
      // Logout tokens go to the hosts' back ends, which serve the same self-signed certificate.
      NODE_EXTRA_CA_CERTS: tls.cert,
    },
  });
  if (onServiceRequest) {
    let partial = '';
    service.child.stdout?.on('data', (data: Buffer) => {
      const lines = (partial + data.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        try {
          const entry = JSON.parse(line) as { msg?: string; method?: string; path?: string; status?: number };
          if (entry.msg === 'request') onServiceRequest({ method: entry.method ?? '', path: entry.path ?? '', status: entry.status ?? 0 });
        } catch {
          // Not a log line of ours.
        }
      }
    });
  }
  const children = [service];
  const missingHosts: Record<string, string> = {};
  const started: { example: (typeof examples)[number]; running: ReturnType<typeof startProcess> }[] = [];
  for (const example of examples) {
    const why = unavailable(example.host);
    if (why) {
      missingHosts[example.host.id] = why;
      continue;
    }
    const env = hostEnv({ host: example.host, url: example.url, port: example.port, serviceUrl, serviceInternalUrl: serviceDirectUrl, tls });
    const running = startProcess(example.host.command, [example.host.entry], { cwd: hostDir(example.host), env });
    children.push(running);
    started.push({ example, running });
  }
  const hostPages = await startHostPages({ port: hostPort, serviceUrl, tls: { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } });
  const stop = async () => {
    await new Promise((resolve) => hostPages.close(resolve));
    await mailbox.close();
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
  const waitFor = (url: string, running: ReturnType<typeof startProcess>, strict = false) =>
    waitUntilAnswering(url, { strict, exited: () => running.child.exitCode, output: running.output });
  try {
    await waitFor(`${serviceDirectUrl}/readyz`, service, true);
  } catch (err) {
    await stop();
    throw err;
  }
  // A host example that does not come up fails its own tests (fixtures.ts reads why), not the whole run; but
  // the static host is News, which most specs use.
  await Promise.all(
    started.map(async ({ example, running }) => {
      try {
        await waitFor(`https://127.0.0.1:${example.port}/`, running);
      } catch (err) {
        missingHosts[example.host.id] = `it did not start: ${(err as Error).message.slice(0, 2000)}`;
        if (running.child.exitCode === null) running.child.kill('SIGTERM');
      }
    }),
  );
  if (missingHosts['static']) {
    await stop();
    throw new Error(`the static host (News) did not start: ${missingHosts['static']}`);
  }
  return {
    serviceUrl,
    serviceDirectUrl,
    newsUrl,
    mailUrl,
    shopUrl,
    reactUrl: urlOf('react'),
    pythonUrl: urlOf('python'),
    ssrUrl: urlOf('express-ssr'),
    apps,
    mailbox,
    missingHosts,
    certFile: tls.cert,
    certSpki: tls.spki,
    stop,
  };
}
