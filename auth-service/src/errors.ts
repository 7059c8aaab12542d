/** The error codes of RFC 6749, RFC 6750, RFC 7009 and OpenID Connect Core that the provider answers with. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_token'
  | 'login_required'
  | 'account_selection_required'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'server_error'
  /** FedCM's ID assertion endpoint (its error codes follow OAuth's). */
  | 'unauthorized_client'
  | 'access_denied';

/** One error code: its HTTP status, its default message, and whether a message given with it may be shown. */
export interface ErrorRow {
  status: number;
  message: string;
  /** False: the client sees `message` whatever the thrower said (the detail goes to the log only). */
  expose: boolean;
  /**
   * The code an OAuth endpoint answers with (`{"error","error_description"}` or `error=` in a redirect). An
   * error without one is a server error there.
   */
  oauth?: OAuthErrorCode;
}

/**
 * Every error the service answers with, one row per code. The JSON API and the pages answer the code itself
 * (`{"error":{"code","message"}}`); `/token`, `/userinfo`, `/revoke` and the `/authorize` redirect answer `oauth`.
 */
export const errorTable = {
  BAD_REQUEST: { status: 400, message: 'The request could not be understood.', expose: true },
  VALIDATION_FAILED: { status: 400, message: 'Some fields are missing or invalid.', expose: true },
  INVALID_CREDENTIALS: { status: 401, message: 'Wrong email or password.', expose: true },
  UNAUTHENTICATED: { status: 401, message: 'You are not signed in.', expose: true },
  FORBIDDEN_ORIGIN: { status: 403, message: 'This origin may not make that request.', expose: true },
  INVALID_FORM_TOKEN: { status: 403, message: 'This form has expired. Go back, reload the page and try again.', expose: true },
  LINK_INVALID: { status: 400, message: 'This link is not valid. It may be mistyped, or a newer link replaced it.', expose: true },
  LINK_FOREIGN: { status: 400, message: 'This link belongs to another account. Sign out, then follow it again.', expose: true },
  NOT_FOUND: { status: 404, message: 'There is nothing here.', expose: true },
  EMAIL_TAKEN: { status: 409, message: 'An account with this email already exists.', expose: true },
  TOO_MANY_ACCOUNTS: {
    status: 409,
    message: 'This browser is already signed in to 5 accounts. Sign out of one of them to add another.',
    expose: true,
  },
  LINK_USED: { status: 410, message: 'This link was already used. Links work only once.', expose: true },
  LINK_EXPIRED: { status: 410, message: 'This link has expired. Ask for a new one.', expose: true },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.', expose: true },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send JSON (application/json).', expose: true },
  WEAK_PASSWORD: { status: 422, message: 'Choose a longer or less common password.', expose: true },
  SECOND_FACTOR_REQUIRED: {
    status: 401,
    message: 'The password was right; now enter the code from your authenticator app (POST /api/session/second-step).',
    expose: true,
  },
  INVALID_CODE: { status: 401, message: 'That code is not right.', expose: true },
  SECOND_STEP_EXPIRED: { status: 401, message: 'This sign-in has expired. Sign in again.', expose: true },
  TWO_STEP_ALREADY_ON: { status: 409, message: 'Two-step verification is already on.', expose: true },
  TWO_STEP_NOT_ON: { status: 409, message: 'Two-step verification is off.', expose: true },
  TWO_STEP_NOT_PENDING: { status: 409, message: 'Start setting up two-step verification again.', expose: true },
  PASSKEY_CHALLENGE_INVALID: { status: 400, message: 'This passkey request has expired or was already used. Try again.', expose: true },
  PASSKEY_CHALLENGE_MISMATCH: { status: 400, message: 'The passkey answered another request. Try again.', expose: true },
  PASSKEY_ORIGIN_MISMATCH: { status: 400, message: 'The passkey answered for another website.', expose: true },
  PASSKEY_RP_ID_MISMATCH: { status: 400, message: 'The passkey belongs to another website.', expose: true },
  PASSKEY_COUNTER_ROLLBACK: { status: 400, message: 'This passkey looks copied: its use counter went backwards. Sign in another way.', expose: true },
  PASSKEY_VERIFICATION_FAILED: { status: 400, message: 'The passkey could not be verified.', expose: true },
  PASSKEY_UNKNOWN: { status: 401, message: 'This passkey is not registered here.', expose: true },
  PASSKEY_EXISTS: { status: 409, message: 'This passkey is already registered.', expose: true },
  PASSKEY_LIMIT: { status: 409, message: 'You have as many passkeys as an account may have. Delete one first.', expose: true },
  PASSKEY_REQUIRED: { status: 409, message: 'Add a passkey before you remove your password.', expose: true },
  PASSKEY_LAST_ONE: { status: 409, message: 'This is your only way to sign in. Set a password or add another passkey first.', expose: true },
  PASSWORD_EXISTS: { status: 409, message: 'This account has a password. Change it instead.', expose: true },
  RECENT_SIGN_IN_REQUIRED: { status: 401, message: 'Sign in again with your passkey, then set a password within ten minutes.', expose: true },
  TOO_MANY_ATTEMPTS: { status: 429, message: 'Too many attempts. Try again later.', expose: true },
  INTERNAL: { status: 500, message: 'Something went wrong on our side.', expose: false, oauth: 'server_error' },
  UNAVAILABLE: { status: 503, message: 'The service is temporarily unavailable.', expose: false },

  // OAuth 2.0 and OpenID Connect (RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, OpenID Connect Core §3.1.2.6).
  INVALID_REQUEST: { status: 400, message: 'The request is missing a parameter or is malformed.', expose: true, oauth: 'invalid_request' },
  INVALID_CLIENT: { status: 401, message: 'The client could not be authenticated.', expose: true, oauth: 'invalid_client' },
  INVALID_GRANT: { status: 400, message: 'The grant is invalid, expired or revoked.', expose: true, oauth: 'invalid_grant' },
  UNSUPPORTED_GRANT_TYPE: { status: 400, message: 'This grant type is not supported.', expose: true, oauth: 'unsupported_grant_type' },
  UNSUPPORTED_RESPONSE_TYPE: { status: 400, message: 'This response type is not supported.', expose: true, oauth: 'unsupported_response_type' },
  INVALID_SCOPE: { status: 400, message: 'The scope is invalid.', expose: true, oauth: 'invalid_scope' },
  INVALID_TOKEN: { status: 401, message: 'The access token is invalid or expired.', expose: true, oauth: 'invalid_token' },
  LOGIN_REQUIRED: { status: 400, message: 'The user must sign in.', expose: true, oauth: 'login_required' },
  ACCOUNT_SELECTION_REQUIRED: {
    status: 400,
    message: 'Several accounts are signed in; the user must choose one.',
    expose: true,
    oauth: 'account_selection_required',
  },
  REQUEST_NOT_SUPPORTED: { status: 400, message: 'Request objects are not supported.', expose: true, oauth: 'request_not_supported' },
  REQUEST_URI_NOT_SUPPORTED: { status: 400, message: 'request_uri is not supported.', expose: true, oauth: 'request_uri_not_supported' },
  UNAUTHORIZED_CLIENT: {
    status: 403,
    message: 'This app is not registered, or the request comes from another origin than its own.',
    expose: true,
    oauth: 'unauthorized_client',
  },
  ACCESS_DENIED: { status: 403, message: 'That account is not signed in on this browser.', expose: true, oauth: 'access_denied' },
} as const satisfies Record<string, ErrorRow>;

export type ErrorCode = keyof typeof errorTable;

/**
 * The one error type the service throws on purpose; the error middleware answers it in the shape of the route.
 * OAuth descriptions never contain a token, code or secret.
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  /** What an OAuth endpoint answers for it; undefined when it is not an OAuth error. */
  readonly oauth: OAuthErrorCode | undefined;
  /** Extra response headers, e.g. `Retry-After`, or `WWW-Authenticate` for a refused Basic authentication. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    const row: ErrorRow = errorTable[code];
    super(message ?? row.message, options);
    this.code = code;
    this.status = row.status;
    this.expose = row.expose;
    this.oauth = row.oauth;
    this.headers = options?.headers ?? {};
  }

  /** What the client may read: the message, or the code's default when it is not to be shown. */
  get shownMessage(): string {
    return this.expose ? this.message : errorTable[this.code].message;
  }

  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.shownMessage } };
  }
}

/** An AppError an OAuth endpoint answers in its RFC's terms (every one the provider's rules throw). */
export function isOAuthError(err: unknown): err is AppError & { oauth: OAuthErrorCode } {
  return err instanceof AppError && err.oauth !== undefined;
}
