import type { RequestHandler } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import { AppError } from '../errors.js';

/**
 * Per-client-IP limit for the routes that check passwords or create accounts. The IP is `req.ip`, which
 * honours `X-Forwarded-For` only as far as `trust proxy` allows, so a client cannot pick its own key.
 * `store` is in memory by default; several instances share one (Redis).
 */
export function authRateLimit(options: { limit: number; windowMs: number; store?: Store }): RequestHandler {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // A client may send X-Forwarded-For when we trust no proxy; req.ip then rightly ignores it. Not an error.
    validate: { xForwardedForHeader: false },
    ...(options.store ? { store: options.store } : {}),
    // If the shared counter store (Redis) is away, let requests through rather than refuse everyone;
    // the per-account throttle still counts in memory meanwhile.
    passOnStoreError: true,
    handler: (req, _res, next) => {
      const info = (req as typeof req & { rateLimit?: { resetTime?: Date } }).rateLimit;
      const resetTime = info?.resetTime?.getTime() ?? Date.now() + options.windowMs;
      const seconds = Math.max(1, Math.ceil((resetTime - Date.now()) / 1000));
      next(new AppError('TOO_MANY_ATTEMPTS', undefined, { headers: { 'Retry-After': String(seconds) } }));
    },
  });
}
