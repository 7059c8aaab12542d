// The family of host examples as both `npm start` (scripts/start.mjs) and the browser tests
// (e2e/support/services.ts) run it: which hosts there are, how each is registered with the service, the
// variables each host is started with, and how to tell that a server is up. One place, so the demo and the
// tests cannot drift apart.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * @typedef {object} HostExample
 * @property {'static' | 'express-ssr' | 'react' | 'python'} id  Its folder under host-examples/ and its client id.
 * @property {string} name     Its name in the launcher.
 * @property {string} icon     One of the service's bundled icons.
 * @property {string} stack    What it is built with, for people.
 * @property {string} command  `node` (process.execPath) or `python3`.
 * @property {string} entry    The file to run, in its folder.
 * @property {'none' | 'page' | 'back-end'} signIn  How it signs in: not at all itself (the box's cookie mode),
 *   from the page (the box in token mode, returning to `/`), or from its back end (the code flow).
 */

/** @type {readonly HostExample[]} */
export const hostExamples = [
  { id: 'static', name: 'Static HTML', icon: 'news', stack: 'plain HTML + the snippet', command: process.execPath, entry: 'server.mjs', signIn: 'none' },
  { id: 'express-ssr', name: 'Express SSR', icon: 'shop', stack: 'Express, server-rendered', command: process.execPath, entry: 'server.mjs', signIn: 'back-end' },
  { id: 'react', name: 'React', icon: 'photos', stack: 'React + Vite SPA', command: process.execPath, entry: 'server.mjs', signIn: 'page' },
  { id: 'python', name: 'Python', icon: 'docs', stack: 'Python http.server', command: 'python3', entry: 'server.py', signIn: 'back-end' },
];

/** @param {HostExample} host */
export const hostDir = (host) => path.join(repoRoot, 'host-examples', host.id);

/**
 * Where the service may send the browser back to a host at `url`: back ends come back to any of their pages
 * that start a sign-in, a page's box to the page.
 * @param {HostExample} host
 * @param {string} url  The host's origin.
 * @returns {string[]}
 */
export function redirectUris(host, url) {
  if (host.signIn === 'back-end') return [`${url}/callback`];
  return host.signIn === 'page' ? [`${url}/`] : [];
}

/**
 * Hosts that sign in from their back end are confidential clients: they authenticate to /token with a secret.
 * @param {HostExample} host
 */
export const isConfidential = (host) => host.signIn === 'back-end';

/** @type {Map<string, string>} */
const clientSecrets = new Map();

/**
 * The host's client secret for this run: random, made once per process, so the registry entry (its hash) and the
 * host's environment (the secret) agree. A new run registers a new one; the service keeps the previous one
 * working for its grace period.
 * @param {HostExample} host
 */
export function clientSecret(host) {
  let secret = clientSecrets.get(host.id);
  if (secret === undefined) clientSecrets.set(host.id, (secret = randomBytes(32).toString('base64url')));
  return secret;
}

/**
 * The host's entry in the service's app registry (APPS_FILE). A confidential host's entry carries the SHA-256 of its
 * secret (`clientSecretHash`), never the secret, and its back-channel logout endpoint.
 * @param {HostExample} host
 * @param {string} url  The host's origin.
 * @param {string} [backChannelUrl]  Where the service reaches the host's back end, when not at `url` (in the e2e
 *   set-up the browser's host names resolve only inside the browser).
 */
export const appEntry = (host, url, backChannelUrl = url) => ({
  id: host.id,
  name: host.name,
  url: `${url}/`,
  icon: host.icon,
  origins: [url],
  redirectUris: redirectUris(host, url),
  ...(isConfidential(host)
    ? {
        confidential: true,
        clientSecretHash: createHash('sha256').update(clientSecret(host)).digest('base64url'),
        backchannelLogoutUri: `${backChannelUrl}/backchannel-logout`,
      }
    : {}),
});

/** @param {string} command */
function commandExists(command) {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a host cannot run here (its server is missing, or there is no python3), or null.
 * @param {HostExample} host
 * @returns {string | null}
 */
export function unavailable(host) {
  if (!existsSync(path.join(hostDir(host), host.entry))) return `host-examples/${host.id}/${host.entry} is missing`;
  if (host.command === 'python3' && !commandExists('python3')) return 'python3 is not installed';
  return null;
}

/**
 * The public client of a confidential host's box: on another site than the service the box signs in itself
 * (token mode) and returns to the page, and a page can hold no secret. Not listed in the launcher.
 * @param {HostExample} host
 */
export const boxClientId = (host) => `${host.id}-box`;

/**
 * Every registry entry of a host: its own, and for a confidential host its box's public client.
 * @param {HostExample} host
 * @param {string} url  The host's origin.
 * @param {string} [backChannelUrl]  See appEntry.
 */
export function appEntries(host, url, backChannelUrl = url) {
  const own = appEntry(host, url, backChannelUrl);
  if (!isConfidential(host)) return [own];
  const box = { id: boxClientId(host), name: host.name, url: `${url}/`, icon: host.icon, origins: [url], redirectUris: [`${url}/`, `${url}/orders`], hidden: true };
  return [own, box];
}

/**
 * The variables every host example reads (each host's README lists them); a confidential host also gets its
 * client secret (USERBOX_CLIENT_SECRET) and its box's client id (USERBOX_BOX_CLIENT_ID).
 * @param {{ host: HostExample, url: string, port: number, serviceUrl: string, serviceInternalUrl: string,
 *   tls?: { cert: string, key: string } }} options  `tls`: certificate and key files; the certificate is also
 *   the one authority the host's back end trusts for the service.
 * @returns {Record<string, string>}
 */
export function hostEnv({ host, url, port, serviceUrl, serviceInternalUrl, tls }) {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    USERBOX_SERVICE_URL: serviceUrl,
    USERBOX_SERVICE_INTERNAL_URL: serviceInternalUrl,
    USERBOX_CLIENT_ID: host.id,
    ...(isConfidential(host) ? { USERBOX_CLIENT_SECRET: clientSecret(host), USERBOX_BOX_CLIENT_ID: boxClientId(host) } : {}),
    ...(tls
      ? { TLS_CERT_FILE: tls.cert, TLS_KEY_FILE: tls.key, USERBOX_CA_FILE: tls.cert, NODE_EXTRA_CA_CERTS: tls.cert }
      : {}),
  };
}

/** What `startProcess` keeps of a process's output: the end of it, enough to say why it stopped. */
const keptOutput = 64 * 1024;

/**
 * Starts `command` in `cwd` with `env` on top of this process's environment, keeping the end of what it prints
 * for `output()` (or, with `inherit`, passing it through).
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd: string, env: Record<string, string | undefined>, inherit?: boolean }} options
 */
export function startProcess(command, args, { cwd, env, inherit = false }) {
  let log = '';
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
  const keep = (/** @type {Buffer} */ d) => (log = (log + d.toString()).slice(-keptOutput));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => log };
}

/**
 * One GET of `url` (http or https; a self-signed certificate is accepted: these are our own servers on
 * loopback). Up is an answer below 500 (a host page may redirect); with `strict`, only 200 with JSON, as the
 * service's `/readyz` answers, so nothing else that took its port passes.
 * @param {string} url
 * @param {boolean} strict
 * @returns {Promise<boolean>}
 */
function answers(url, strict) {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve) => {
    client
      .get(url, { rejectUnauthorized: false, timeout: 1000 }, (res) => {
        res.resume();
        const status = res.statusCode ?? 500;
        resolve(strict ? status === 200 && /^application\/json/.test(res.headers['content-type'] ?? '') : status < 500);
      })
      .on('error', () => resolve(false))
      .on('timeout', function () {
        this.destroy();
      });
  });
}

/**
 * Waits until `url` answers (see `answers`). Rejects when `timeoutMs` passes, or at once when `exited()` says
 * the server's process is gone (with why, from `output`).
 * @param {string} url
 * @param {{ strict?: boolean, timeoutMs?: number, exited?: () => number | null, output?: () => string }} [options]
 * @returns {Promise<void>}
 */
export async function waitUntilAnswering(url, { strict = false, timeoutMs = 30_000, exited = () => null, output = () => '' } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const code = exited();
    if (code !== null) throw new Error(`${url} exited with ${code}:\n${output()}`);
    if (await answers(url, strict)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up in ${timeoutMs / 1000} s:\n${output()}`);
}
