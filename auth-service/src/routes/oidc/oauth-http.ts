import { urlencoded, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '../../errors.js';
import { appOriginCors } from '../../middleware/origin-checks.js';
import type { AppRegistry } from '../../services/apps.js';
import type { Clients } from '../../services/clients.js';
import type { AppRecord } from '../../store/apps-repository.js';
import { requestErrorPage } from '../../views/oidc-pages.js';

// What the OAuth endpoints share at the HTTP edge: their form bodies, their parameters, client authentication,
// and the page for a request that must not redirect.

/** The token responses' cache headers (RFC 6749 §5.1), also used for every other OAuth answer. */
export function noStore(res: Response): void {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
}

/**
 * CORS for `/token`, `/userinfo` and `/revoke`: registered app origins, never with credentials (these endpoints
 * take no cookies); a refused token's `WWW-Authenticate` is readable.
 */
export const oauthCors = (registry: AppRegistry, methods: string): RequestHandler =>
  appOriginCors(registry, { methods, credentials: false, exposeHeaders: 'WWW-Authenticate' });

/** OAuth forms are small (16 kB); `parameterLimit` bounds how many fields a body may have. */
export const parseForm = (parameterLimit: number): RequestHandler => urlencoded({ extended: false, limit: '16kb', parameterLimit });

/** The body of `/token`, `/revoke` and `POST /userinfo`: a form (RFC 6749 §3.2), small, with each parameter once. */
export const formBody: RequestHandler[] = [
  (req, _res, next) => {
    // A POST /userinfo may come without a body; anything with one must be a form.
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? '0') > 0;
    if (hasBody && !req.is('application/x-www-form-urlencoded')) {
      throw new AppError('INVALID_REQUEST', 'Send the parameters as application/x-www-form-urlencoded.');
    }
    next();
  },
  parseForm(20),
];

/**
 * One parameter of a query or form body. OAuth forbids repeating a parameter (RFC 6749 §3.1), and an empty
 * value counts as absent.
 */
export function param(source: unknown, name: string, max = 2048): string | undefined {
  const value = (source as Record<string, unknown> | undefined)?.[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new AppError('INVALID_REQUEST', `${name} must be given once.`);
  if (value.length > max) throw new AppError('INVALID_REQUEST', `${name} is too long.`);
  return value;
}

export function requiredParam(source: unknown, name: string, max = 2048): string {
  const value = param(source, name, max);
  if (value === undefined) throw new AppError('INVALID_REQUEST', `${name} is required.`);
  return value;
}

/**
 * Client authentication at `/token` and `/revoke`. Clients are public (PKCE, no secret), so a secret in either
 * place is refused; the client itself is then checked by `Clients.authenticate`.
 */
export function authenticateClient(clients: Clients, req: Request): AppRecord {
  if (req.headers.authorization !== undefined) {
    throw new AppError('INVALID_CLIENT', 'Client secrets are not supported: clients are public and use PKCE.', {
      headers: { 'WWW-Authenticate': 'Basic realm="userbox"' },
    });
  }
  if (param(req.body, 'client_secret') !== undefined) {
    throw new AppError('INVALID_CLIENT', 'Client secrets are not supported: clients are public and use PKCE.');
  }
  return clients.authenticate(param(req.body, 'client_id', 100), req.headers.origin);
}

/**
 * The answer to a request that must not redirect: unknown client, unregistered redirect URI, bad sign-out
 * request. Redirecting there would turn the provider into an open redirector.
 */
export function sendRequestErrorPage(res: Response, title: string, message: string): void {
  res.status(400).type('html').send(requestErrorPage(title, message));
}
