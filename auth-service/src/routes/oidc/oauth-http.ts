import { urlencoded, type Request, type RequestHandler, type Response } from 'express';
import { decodeJwt } from 'jose';
import { AppError } from '../../errors.js';
import { clientAssertionType } from '../../services/client-assertions.js';
import { appOriginCors } from '../../middleware/origin-checks.js';
import type { AppRegistry } from '../../services/apps.js';
import { basicChallenge, type ClientCredentials, type Clients } from '../../services/clients.js';
import type { AppRecord } from '../../store/apps-repository.js';
import { languageFor } from '../../views/language.js';
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

/** One half of `client_secret_basic`'s credentials: form-urlencoded inside Basic (RFC 6749 §2.3.1). */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw new AppError('INVALID_CLIENT', 'The Basic credentials are not form-urlencoded.', { headers: basicChallenge });
  }
}

/**
 * How the request authenticates its client: `client_secret_basic` (the `Authorization: Basic` header, id and
 * secret each form-urlencoded), `client_secret_post` (`client_secret` in the form), `private_key_jwt`
 * (`client_assertion` and its type, RFC 7523), or `none` (only `client_id`, a public client). Using two methods
 * at once is refused (RFC 6749 §2.3).
 */
export function readClientCredentials(req: Request): ClientCredentials {
  const bodyId = param(req.body, 'client_id', 100);
  const bodySecret = param(req.body, 'client_secret', 512);
  const assertionType = param(req.body, 'client_assertion_type', 200);
  const assertion = param(req.body, 'client_assertion', 8192);
  const header = req.headers.authorization;
  if (assertionType !== undefined || assertion !== undefined) {
    if (header !== undefined || bodySecret !== undefined) throw new AppError('INVALID_REQUEST', 'Use one client authentication method, not two.');
    if (assertionType !== clientAssertionType || assertion === undefined) {
      throw new AppError('INVALID_CLIENT', `client_assertion_type must be ${clientAssertionType}, with a client_assertion.`);
    }
    // The assertion names its client (`iss`); it is checked against the registered keys, `client_id` too.
    let claimed: unknown;
    try {
      claimed = decodeJwt(assertion).iss;
    } catch {
      throw new AppError('INVALID_CLIENT', 'The client assertion is not a JWT.');
    }
    const clientId = bodyId ?? (typeof claimed === 'string' ? claimed : undefined);
    if (clientId === undefined) throw new AppError('INVALID_CLIENT', 'The client assertion names no client.');
    return { method: 'private_key_jwt', clientId, assertion };
  }
  if (header !== undefined) {
    const basic = /^Basic +([A-Za-z0-9+/=]{1,2000}) *$/i.exec(header);
    if (!basic) {
      throw new AppError('INVALID_CLIENT', 'Client authentication takes the Basic scheme (client_secret_basic).', { headers: basicChallenge });
    }
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) throw new AppError('INVALID_CLIENT', 'The Basic credentials are malformed.', { headers: basicChallenge });
    const clientId = formDecode(decoded.slice(0, colon));
    const secret = formDecode(decoded.slice(colon + 1));
    if (clientId.length > 100 || secret.length > 512 || secret === '') {
      throw new AppError('INVALID_CLIENT', 'The Basic credentials are malformed.', { headers: basicChallenge });
    }
    if (bodySecret !== undefined) throw new AppError('INVALID_REQUEST', 'Use one client authentication method, not two.');
    if (bodyId !== undefined && bodyId !== clientId) throw new AppError('INVALID_REQUEST', 'client_id does not match the Authorization header.');
    return { method: 'client_secret_basic', clientId, secret };
  }
  if (bodySecret !== undefined) {
    if (bodyId === undefined) throw new AppError('INVALID_REQUEST', 'client_id is required with client_secret.');
    return { method: 'client_secret_post', clientId: bodyId, secret: bodySecret };
  }
  return { method: 'none', clientId: bodyId };
}

/** Client authentication at `/token` and `/revoke`: read at the edge, decided by `Clients.authenticate`. */
export function authenticateClient(clients: Clients, req: Request): Promise<AppRecord> {
  return clients.authenticate(readClientCredentials(req), req.headers.origin);
}

/**
 * The answer to a request that must not redirect: unknown client, unregistered redirect URI, bad sign-out
 * request. Redirecting there would turn the provider into an open redirector.
 */
export function sendRequestErrorPage(res: Response, title: string, message: string): void {
  // For the app's developers (a misconfigured client), so in English, as the rest of the OAuth answers.
  res.status(400).type('html').send(requestErrorPage(languageFor('en', false), title, message));
}
