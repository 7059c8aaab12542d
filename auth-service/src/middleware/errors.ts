import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { isDatabaseUnavailable } from '../store/store.js';
import { pageLanguage } from '../views/language.js';
import { errorPage } from '../views/pages.js';

export const notFound: RequestHandler = () => {
  throw new AppError('NOT_FOUND');
};

const oauthShape = 'userboxOAuthErrors';

/**
 * The first step of `/token`, `/userinfo` and `/revoke`: whatever fails after it is answered in the shape their
 * RFCs define, which OIDC client libraries parse. `/authorize` and `/end_session` answer in redirects and pages.
 */
export const answerErrorsInOAuthShape: RequestHandler = (_req, res, next) => {
  res.locals[oauthShape] = true;
  next();
};

/** body-parser's errors carry a string `type` (and a status). */
const isBodyParserError = (err: unknown) => typeof (err as { type?: unknown } | null)?.type === 'string';

/** Maps body-parser's errors onto our codes: an OAuth endpoint has one code for all of them. */
function fromBodyParser(err: unknown, oauth: boolean): AppError {
  if (oauth) return new AppError('INVALID_REQUEST', 'The request body could not be read.');
  const type = (err as { type: string }).type;
  if (type === 'entity.parse.failed') return new AppError('BAD_REQUEST', 'The request body is not valid JSON.');
  if (type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE');
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') return new AppError('UNSUPPORTED_MEDIA_TYPE');
  return new AppError('BAD_REQUEST');
}

/** RFC 6749 §5.2 / RFC 6750 §3: the flat body, never cached, with the Bearer challenge for a refused token. */
function sendOAuthError(res: Response, error: AppError): void {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  if (error.oauth === 'invalid_token') {
    res.set('WWW-Authenticate', `Bearer error="invalid_token", error_description="${error.shownMessage.replaceAll('"', "'")}"`);
  }
  res.status(error.status).json({ error: error.oauth, error_description: error.shownMessage });
}

/**
 * The one error handler. AppErrors become their body; anything else is logged and becomes a bare 500 (503 when
 * the database is away). The JSON API and pages answer `{"error":{"code","message"}}` (a page for a browser
 * navigating); the OAuth endpoints marked by `answerErrorsInOAuthShape` answer `{"error","error_description"}`.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const oauth = res.locals[oauthShape] === true;
    const reqId = res.locals['requestId'];
    let appError = err instanceof AppError ? err : isBodyParserError(err) ? fromBodyParser(err, oauth) : undefined;
    if (appError && oauth && appError.oauth === undefined) appError = undefined;
    // The token endpoints' RFCs know no "unavailable": there a database outage is a server_error.
    if (!appError && !oauth && isDatabaseUnavailable(err)) {
      logger.error({ err, reqId }, 'database unavailable');
      appError = new AppError('UNAVAILABLE', undefined, { headers: { 'Retry-After': '5' } });
    } else if (!appError) {
      logger.error({ err, reqId }, oauth ? 'unhandled error in an OAuth endpoint' : 'unhandled error');
      appError = new AppError('INTERNAL');
    } else if (appError.status >= 500 && appError.code !== 'UNAVAILABLE') {
      logger.error({ err: appError, reqId }, appError.code);
    }
    res.set(appError.headers);
    if (oauth) return sendOAuthError(res, appError);
    res.set('Cache-Control', 'no-store');
    // Browsers navigating to a page get a page; API clients (and */*) get JSON.
    if (!req.path.startsWith('/api/') && req.accepts(['json', 'html']) === 'html') {
      const language = pageLanguage(req);
      res.status(appError.status).type('html').send(errorPage(language, appError.status, language.error(appError)));
      return;
    }
    res.status(appError.status).json(appError.toJSON());
  };
}
