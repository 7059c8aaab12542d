// A minimal round-robin reverse proxy (node:http, keep-alive) for the two-instance benchmark.
import http from 'node:http';

const targets = process.env.BENCH_TARGETS.split(',').map((u) => new URL(u));
const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
let next = 0;
const server = http.createServer((req, res) => {
  const target = targets[next++ % targets.length];
  const upstream = http.request(
    { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress }, agent },
    (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    },
  );
  upstream.on('error', () => res.writeHead(502).end());
  req.pipe(upstream);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
