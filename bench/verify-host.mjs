// Host back end for bench/verify.mjs: the same tiny Express route three times — without verification, with
// the documented helper (@userbox/verify, packages/verify/), and with the helper's cache turned off.
import express from 'express';
import { bearerToken, createAccessTokenVerifier } from '@userbox/verify';

const issuer = process.env.BENCH_ISSUER;
const audience = process.env.BENCH_AUDIENCE;
const cached = createAccessTokenVerifier({ issuer, audience });
const uncached = createAccessTokenVerifier({ issuer, audience, cacheSize: 0 });

const app = express();
app.disable('x-powered-by');
const answer = (res, sub) => res.set('Cache-Control', 'no-store').json({ sub, orders: [] });

app.get('/plain', (_req, res) => answer(res, 'anonymous'));
for (const [path, verifier] of [['/verified', cached], ['/verified-uncached', uncached]]) {
  app.get(path, async (req, res) => {
    const token = bearerToken(req.headers.authorization);
    const claims = token ? await verifier.verify(token).catch(() => null) : null;
    if (!claims) return res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').end();
    answer(res, claims.sub);
  });
}

const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => process.exit(0));
