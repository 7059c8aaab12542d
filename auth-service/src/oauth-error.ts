import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';

/** The error codes of RFC 6749, RFC 6750, RFC 7009 and OpenID Connect Core that this provider answers with. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_token'
  | 'login_required'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'server_error';

const statusOf: Partial<Record<OAuthErrorCode, number>> = { invalid_client: 401, invalid_token: 401, server_error: 500 };

/**
 * An error in the shape the OAuth specs define (`{"error","error_description"}`), because OIDC client libraries
 * parse it. The description is always safe to show: it never contains a token, code or secret.
 */
export class OAuthError extends Error {
  override name = 'OAuthError';
  readonly code: OAuthErrorCode;
  readonly status: number;
  /** Extra response headers, e.g. `WWW-Authenticate` for a failed Basic authentication. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: OAuthErrorCode, description: string, options?: { headers?: Record<string, string> }) {
    super(description);
    this.code = code;
    this.status = statusOf[code] ?? 400;
    this.headers = options?.headers ?? {};
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.message };
  }
}

/** The token responses' cache headers (RFC 6749 §5.1), also used for every other OAuth answer. */
export function noStore(res: Response): void {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
}

/**
 * Error middleware for the JSON OAuth endpoints: OAuthErrors become their RFC body (401s with the matching
 * `WWW-Authenticate`), body-parser failures `invalid_request`, anything else a logged `server_error`.
 */
export function oauthErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) return next(err);
    let error: OAuthError;
    if (err instanceof OAuthError) {
      error = err;
    } else if (typeof (err as { type?: unknown } | null)?.type === 'string') {
      error = new OAuthError('invalid_request', 'The request body could not be read.');
    } else {
      logger.error({ err, reqId: res.locals['requestId'] }, 'unhandled error in an OAuth endpoint');
      error = new OAuthError('server_error', 'Something went wrong on our side.');
    }
    noStore(res);
    res.set(error.headers);
    if (error.code === 'invalid_token') {
      res.set('WWW-Authenticate', `Bearer error="invalid_token", error_description="${error.message.replaceAll('"', "'")}"`);
    }
    res.status(error.status).json(error.toJSON());
  };
}
