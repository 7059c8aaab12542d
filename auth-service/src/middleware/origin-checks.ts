import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';
import type { AppRegistry } from '../services/apps.js';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CORS for the JSON API: credentials are allowed only for exact origins of registered apps. A foreign origin
 * gets no CORS headers, so the browser withholds the answer from it.
 */
export function apiCors(registry: AppRegistry): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    // res.vary parses and merges whatever Vary holds; on the way into the API it holds nothing yet.
    if (res.getHeader('Vary') === undefined) res.setHeader('Vary', 'Origin');
    else res.vary('Origin');
    if (registry.isAppOrigin(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin as string);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PATCH, DELETE');
        res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
        res.setHeader('Access-Control-Max-Age', '600');
      }
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}

/**
 * CSRF defence for everything that changes state: the request must come from the service itself or a
 * registered app. Browsers always send `Origin` on cross-origin and on form POSTs; a request without it
 * is accepted only when the browser vouches for it with `Sec-Fetch-Site: same-origin`.
 */
export function requireTrustedOrigin(registry: AppRegistry): RequestHandler {
  return (req, _res, next) => {
    if (safeMethods.has(req.method)) return next();
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (registry.isTrustedOrigin(origin)) return next();
    } else if (req.headers['sec-fetch-site'] === 'same-origin') {
      return next();
    }
    throw new AppError('FORBIDDEN_ORIGIN');
  };
}
