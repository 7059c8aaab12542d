// Baselines for bench/api.mjs: the same JSON body as /api/me from a bare Express 5 route and from node:http.
import http from 'node:http';
import express from 'express';

const body = JSON.parse(process.env.BENCH_BODY ?? '{"user":null}');
const text = JSON.stringify(body);

const app = express();
app.get('/api/me', (_req, res) => {
  res.set('Cache-Control', 'no-store').json(body);
});
const expressServer = app.listen(0, '127.0.0.1');

const nodeServer = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(text);
});
nodeServer.listen(0, '127.0.0.1');

await Promise.all([expressServer, nodeServer].map((s) => new Promise((r) => (s.listening ? r() : s.once('listening', r)))));
process.stdout.write(JSON.stringify({ express: expressServer.address().port, node: nodeServer.address().port }) + '\n');
process.on('SIGTERM', () => process.exit(0));
