// @ts-check
// Reads the settings once, builds the app, listens (http or https) and shuts down cleanly on SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createApp } from './app.mjs';
import { backChannelFetch, createUserboxClient } from './userbox-client.mjs';

/** @param {string} message @returns {never} */
function fail(message) {
  console.error(`express-ssr host: ${message}`);
  process.exit(1);
}

/** An http(s) origin without a trailing slash, or a clear error. @param {string} name @param {string} value */
function origin(name, value) {
  const trimmed = value.replace(/\/$/, '');
  if (!URL.canParse(trimmed) || new URL(trimmed).origin !== trimmed || !/^https?:$/.test(new URL(trimmed).protocol)) {
    fail(`${name} must be an http(s) origin such as https://shop.example.test:5123 (no path), got ${JSON.stringify(value)}`);
  }
  return trimmed;
}

const env = process.env;
const port = Number(env.PORT);
if (!env.PORT || !Number.isInteger(port) || port < 0 || port > 65535) fail('PORT is required (0–65535)');
if (Boolean(env.TLS_CERT_FILE) !== Boolean(env.TLS_KEY_FILE)) fail('TLS_CERT_FILE and TLS_KEY_FILE go together');
const tls = env.TLS_CERT_FILE && env.TLS_KEY_FILE ? { cert: readFileSync(env.TLS_CERT_FILE), key: readFileSync(env.TLS_KEY_FILE) } : null;
const host = env.HOST || '127.0.0.1';
const publicUrl = origin('PUBLIC_URL', env.PUBLIC_URL || `${tls ? 'https' : 'http'}://localhost:${port}`);
const serviceUrl = origin('USERBOX_SERVICE_URL', env.USERBOX_SERVICE_URL || 'http://localhost:4000');
const internalUrl = origin('USERBOX_SERVICE_INTERNAL_URL', env.USERBOX_SERVICE_INTERNAL_URL || serviceUrl);
const clientId = env.USERBOX_CLIENT_ID || 'express-ssr';
// Registered as a confidential client, the host authenticates to /token with this secret; unset, it is public.
const clientSecret = env.USERBOX_CLIENT_SECRET || undefined;
// The public client the page's box uses in token mode (on another site than the service) beside a confidential one.
const boxClientId = env.USERBOX_BOX_CLIENT_ID || undefined;
const ca = env.USERBOX_CA_FILE ? readFileSync(env.USERBOX_CA_FILE) : undefined;

const client = createUserboxClient({
  serviceUrl,
  internalUrl,
  clientId,
  clientSecret,
  redirectUri: `${publicUrl}/callback`,
  fetch: backChannelFetch(ca),
});
// Before back-channel logout the host asked /userinfo on every page; kept behind a switch for the benchmark.
const checkEveryPage = env.USERBOX_CHECK_EVERY_PAGE === '1';
const { app, sessions } = createApp({ config: { publicUrl, serviceUrl, clientId, boxClientId, checkEveryPage }, client });

const server = tls ? https.createServer(tls, app) : http.createServer(app);
server.on('error', (/** @type {NodeJS.ErrnoException} */ err) => {
  fail(err.code === 'EADDRINUSE' ? `port ${port} is already in use` : err.message);
});
server.listen(port, host, () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  console.log(`express-ssr host listening on ${tls ? 'https' : 'http'}://${host}:${actual} as ${publicUrl} (${clientSecret ? 'confidential' : 'public'} client ${clientId}, service ${serviceUrl})`);
});

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    sessions.stop();
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
