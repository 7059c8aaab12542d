import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/**
 * One log line per request: id, method, route, status, latency. Headers, bodies and query strings are never
 * logged, so cookies, tokens and passwords cannot leak into the log.
 */
// Unique per process start, then a counter: as unique as a UUID for finding a log line, and cheaper per request.
const bootId = randomBytes(6).toString('base64url');
let sequence = 0;

export function requestLog(logger: Logger): RequestHandler {
  // This line holds only the six values below, all strings and numbers of our own making, so the service's
  // redaction paths can never match in it; with them pino would still pass every value through the redactor.
  const lines = logger.child({}, { redact: [] });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const id = `${bootId}-${(++sequence).toString(36)}`;
    res.locals['requestId'] = id;
    res.setHeader('X-Request-Id', id);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const route = (req.route as { path?: string } | undefined)?.path;
      // Express resets req.baseUrl when an error leaves a router; the router recorded it on the way in.
      const base = typeof res.locals['routeBase'] === 'string' ? res.locals['routeBase'] : req.baseUrl;
      lines.info(
        { reqId: id, method: req.method, route: route ? base + route : '(unmatched)', path: req.path.slice(0, 200), status: res.statusCode, ms: Math.round(ms * 10) / 10 },
        'request',
      );
    });
    next();
  };
}

/** First middleware of a mounted router: remembers its mount path for the log line. */
export const markRouteBase: RequestHandler = (req, res, next) => {
  res.locals['routeBase'] = req.baseUrl;
  next();
};
