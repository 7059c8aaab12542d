import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { AppRegistry } from '../services/apps.js';

function helmetFor(appOrigins: readonly string[]) {
  return helmet({
    // Not helmet's `no-referrer`: under it browsers send `Origin: null` on our own form posts, which the
    // CSRF check must then refuse. `same-origin` keeps paths from leaking to other sites all the same.
    referrerPolicy: { policy: 'same-origin' },
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'https:', 'data:'],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        // Chromium applies form-action to the redirect after a form post, so the apps' origins belong here.
        formAction: ["'self'", ...appOrigins],
      },
    },
  });
}

/** The headers helmet would set, captured once: they depend on nothing in the request. */
function captureHeaders(appOrigins: readonly string[]): Array<[string, string]> {
  const headers = new Map<string, string>();
  const res = {
    setHeader: (name: string, value: string) => headers.set(name, String(value)),
    removeHeader: (name: string) => headers.delete(name),
  } as unknown as ServerResponse;
  helmetFor(appOrigins)({} as IncomingMessage, res, () => undefined);
  return [...headers];
}

/**
 * helmet's headers (with a strict CSP whose form-action lists the registered apps), computed once per registry
 * version instead of by a dozen middlewares on every request: this runs on /api/me, the hottest route.
 */
export function securityHeaders(registry: AppRegistry): RequestHandler {
  let version = -1;
  let headers: Array<[string, string]> = [];
  return (_req, res, next) => {
    if (version !== registry.version()) {
      version = registry.version();
      headers = captureHeaders(registry.appOrigins());
    }
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}
