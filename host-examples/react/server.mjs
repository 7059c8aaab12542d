// Serves the built app (dist/) and tells it where the account service is: the same build works with any
// service, because the address goes into index.html's <meta name="userbox-service"> when it is served.
// Plain node:http, no dependencies; any static server that can rewrite one line would do.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dist');
const port = Number(process.env.PORT ?? 4003);
const host = process.env.HOST ?? '127.0.0.1';
const serviceUrl = process.env.USERBOX_SERVICE_URL ?? 'http://localhost:4000';
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

function escapeAttribute(value) {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const index = await readFile(path.join(dist, 'index.html'), 'utf8').catch(() => {
  console.error(`react host: ${dist}/index.html is missing; run \`npm run build\` in this folder first`);
  process.exit(1);
});
const page = index.replace(
  /(<meta name="userbox-service" content=")[^"]*(")/,
  `$1${escapeAttribute(serviceUrl)}$2`,
);

async function handle(req, res) {
  const { pathname } = new URL(req.url ?? '/', 'http://x');
  const file = path.join(dist, path.normalize(pathname));
  // Hashed assets from the build; every other path is a route of the app, answered with index.html.
  if (pathname.startsWith('/assets/') && file.startsWith(dist + path.sep)) {
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': types[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'public, max-age=31536000, immutable',
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    }
    return;
  }
  if (path.extname(pathname) && pathname !== '/index.html') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    return;
  }
  res.writeHead(200, { 'content-type': types['.html'], 'cache-control': 'no-cache' }).end(page);
}

const tls = process.env.TLS_CERT_FILE && process.env.TLS_KEY_FILE
  ? { cert: await readFile(process.env.TLS_CERT_FILE), key: await readFile(process.env.TLS_KEY_FILE) }
  : null;
const server = tls ? https.createServer(tls, handle) : http.createServer(handle);
server.listen(port, host, () => {
  console.log(`react host listening on ${tls ? 'https' : 'http'}://${host}:${port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
