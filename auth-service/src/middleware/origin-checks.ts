import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';
import type { AppRegistry } from '../services/apps.js';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** How one family of endpoints answers cross-origin calls from registered app origins. */
export interface AppOriginCorsOptions {
  /** What a preflight may ask for, e.g. `'POST'`. */
  methods: string;
  /** Let the browser send cookies: the JSON API, which reads the session cookie. The OAuth endpoints take none. */
  credentials: boolean;
  /** Response headers the caller may read beyond the safelisted ones, e.g. `WWW-Authenticate`. */
  exposeHeaders?: string;
}

/**
 * CORS for exact origins of registered apps, and for nothing else: a foreign origin gets no CORS headers, so the
 * browser withholds the answer from it. Preflights end here with 204. Which client an origin may act for is the
 * route's question (the API's CSRF check, the OAuth endpoints' client authentication).
 */
export function appOriginCors(registry: AppRegistry, options: AppOriginCorsOptions): RequestHandler {
  const { methods, credentials, exposeHeaders } = options;
  return (req, res, next) => {
    const origin = req.headers.origin;
    // res.vary parses and merges whatever Vary holds; on the way in it usually holds nothing yet.
    if (res.getHeader('Vary') === undefined) res.setHeader('Vary', 'Origin');
    else res.vary('Origin');
    if (registry.isAppOrigin(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin as string);
      if (credentials) res.setHeader('Access-Control-Allow-Credentials', 'true');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', methods);
        res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
        res.setHeader('Access-Control-Max-Age', '600');
      } else if (exposeHeaders !== undefined) {
        res.setHeader('Access-Control-Expose-Headers', exposeHeaders);
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
