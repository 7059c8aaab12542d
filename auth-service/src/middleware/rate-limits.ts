import type { Request, RequestHandler } from 'express';
import { rateLimit, type ClientRateLimitInfo, type Options, type Store } from 'express-rate-limit';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';

/**
 * Fixed-window hit counts in this process, on the injected clock, so the window a hit falls in and the
 * Retry-After it is told come from one time (express-rate-limit's own MemoryStore reads the real clock).
 * Oldest keys go first when full, so a flood of addresses cannot grow memory without bound.
 */
function createMemoryRateLimitStore(clock: Clock, maxKeys = 100_000): Store {
  let windowMs = 60_000;
  const hits = new Map<string, { totalHits: number; resetAt: number }>();
  const current = (key: string) => {
    const entry = hits.get(key);
    return entry && entry.resetAt > clock() ? entry : undefined;
  };
  const info = (entry: { totalHits: number; resetAt: number }): ClientRateLimitInfo => ({
    totalHits: entry.totalHits,
    resetTime: new Date(entry.resetAt),
  });
  return {
    localKeys: true,
    init(options: Options) {
      windowMs = options.windowMs;
    },
    async get(key) {
      const entry = current(key);
      return entry && info(entry);
    },
    async increment(key) {
      let entry = current(key);
      if (!entry) {
        hits.delete(key);
        if (hits.size >= maxKeys) hits.delete(hits.keys().next().value as string);
        entry = { totalHits: 0, resetAt: clock() + windowMs };
        hits.set(key, entry);
      }
      entry.totalHits += 1;
      return info(entry);
    },
    async decrement(key) {
      const entry = current(key);
      if (entry) entry.totalHits = Math.max(0, entry.totalHits - 1);
    },
    async resetKey(key) {
      hits.delete(key);
    },
  };
}

/**
 * Per-client-IP limit for the routes that check passwords or create accounts. The IP is `req.ip`, which
 * honours `X-Forwarded-For` only as far as `trust proxy` allows, so a client cannot pick its own key.
 * `store` is in memory by default; several instances share one (Redis). The RateLimit headers (IETF
 * draft 8) and Retry-After are written here from `clock`, since express-rate-limit's own read the real clock.
 */
export function authRateLimit(options: { limit: number; windowMs: number; clock: Clock; store?: Store }): RequestHandler {
  const { clock, limit, windowMs } = options;
  const secondsUntil = (resetTime: Date | undefined) =>
    Math.max(0, Math.ceil(((resetTime?.getTime() ?? clock() + windowMs) - clock()) / 1000));
  const limiter = rateLimit({
    windowMs,
    limit,
    standardHeaders: false,
    legacyHeaders: false,
    // A client may send X-Forwarded-For when we trust no proxy; req.ip then rightly ignores it. Not an error.
    validate: { xForwardedForHeader: false },
    store: options.store ?? createMemoryRateLimitStore(clock),
    // If the shared counter store (Redis) is away, let requests through rather than refuse everyone;
    // the per-account throttle still counts in memory meanwhile.
    passOnStoreError: true,
    handler: (req, _res, next) => {
      const seconds = Math.max(1, secondsUntil(rateLimitInfo(req)?.resetTime));
      next(new AppError('TOO_MANY_ATTEMPTS', undefined, { headers: { 'Retry-After': String(seconds) } }));
    },
  });
  return (req, res, next) =>
    limiter(req, res, (err?: unknown) => {
      const info = rateLimitInfo(req);
      if (info && !res.headersSent) {
        res.set('RateLimit-Policy', `"auth";q=${limit};w=${Math.ceil(windowMs / 1000)}`);
        res.set('RateLimit', `"auth";r=${info.remaining};t=${secondsUntil(info.resetTime)}`);
      }
      next(err);
    });
}

const rateLimitInfo = (req: Request) => (req as Request & { rateLimit?: { remaining: number; resetTime?: Date } }).rateLimit;
