import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { isDatabaseUnavailable } from '../store/store.js';
import { errorPage } from '../views/pages.js';

export const notFound: RequestHandler = () => {
  throw new AppError('NOT_FOUND');
};

/** Maps body-parser's errors (they carry `type` and `status`) onto our codes. */
function fromBodyParser(err: unknown): AppError | undefined {
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') return new AppError('BAD_REQUEST', 'The request body is not valid JSON.');
  if (type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE');
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') return new AppError('UNSUPPORTED_MEDIA_TYPE');
  if (typeof type === 'string') return new AppError('BAD_REQUEST');
  return undefined;
}

/** The one error handler: AppErrors become their JSON body; anything else is logged and becomes a bare 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    let appError = err instanceof AppError ? err : fromBodyParser(err);
    if (!appError && isDatabaseUnavailable(err)) {
      logger.error({ err, reqId: res.locals['requestId'] }, 'database unavailable');
      appError = new AppError('UNAVAILABLE', undefined, { headers: { 'Retry-After': '5' } });
    } else if (!appError) {
      logger.error({ err, reqId: res.locals['requestId'] }, 'unhandled error');
      appError = new AppError('INTERNAL');
    } else if (appError.status >= 500 && appError.code !== 'UNAVAILABLE') {
      logger.error({ err: appError, reqId: res.locals['requestId'] }, appError.code);
    }
    res.set(appError.headers);
    res.set('Cache-Control', 'no-store');
    const body = appError.toJSON();
    // Browsers navigating to a page get a page; API clients (and */*) get JSON.
    if (!req.path.startsWith('/api/') && req.accepts(['json', 'html']) === 'html') {
      res.status(appError.status).type('html').send(errorPage(appError.status, body.error.message));
      return;
    }
    res.status(appError.status).json(body);
  };
}
