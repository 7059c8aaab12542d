// A static file server for the demo page — it stands for any web server. Plain node:http, no dependencies.
// USERBOX_SERVICE_URL points the snippet at another account service (the tests run it over https).
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PORT ?? 4001);
const host = process.env.HOST ?? '127.0.0.1';
const serviceUrl = process.env.USERBOX_SERVICE_URL ?? 'http://localhost:4000';
const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8' };
const files = new Map([
  ['/', 'index.html'],
  ['/index.html', 'index.html'],
  // The host examples share one stylesheet.
  ['/page.css', '../page.css'],
]);

async function handle(req, res) {
  const file = files.get(new URL(req.url ?? '/', 'http://x').pathname);
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    return;
  }
  let body = await readFile(path.join(root, file), 'utf8');
  if (file.endsWith('.html')) body = body.replaceAll('http://localhost:4000', serviceUrl);
  res.writeHead(200, { 'content-type': types[path.extname(file)], 'cache-control': 'no-cache' }).end(body);
}

const tls = process.env.TLS_CERT_FILE && process.env.TLS_KEY_FILE
  ? { cert: await readFile(process.env.TLS_CERT_FILE), key: await readFile(process.env.TLS_KEY_FILE) }
  : null;
const server = tls ? https.createServer(tls, handle) : http.createServer(handle);
server.listen(port, host, () => {
  console.log(`static host listening on ${tls ? 'https' : 'http'}://${host}:${port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
