/** Every error code the JSON API can answer with, its HTTP status, and whether its message may be shown. */
export const errorTable = {
  BAD_REQUEST: { status: 400, expose: true },
  VALIDATION_FAILED: { status: 400, expose: true },
  INVALID_CREDENTIALS: { status: 401, expose: true },
  UNAUTHENTICATED: { status: 401, expose: true },
  FORBIDDEN_ORIGIN: { status: 403, expose: true },
  INVALID_FORM_TOKEN: { status: 403, expose: true },
  NOT_FOUND: { status: 404, expose: true },
  EMAIL_TAKEN: { status: 409, expose: true },
  PAYLOAD_TOO_LARGE: { status: 413, expose: true },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, expose: true },
  WEAK_PASSWORD: { status: 422, expose: true },
  TOO_MANY_ATTEMPTS: { status: 429, expose: true },
  INTERNAL: { status: 500, expose: false },
  UNAVAILABLE: { status: 503, expose: false },
} as const;

export type ErrorCode = keyof typeof errorTable;

const defaultMessages: Record<ErrorCode, string> = {
  BAD_REQUEST: 'The request could not be understood.',
  VALIDATION_FAILED: 'Some fields are missing or invalid.',
  INVALID_CREDENTIALS: 'Wrong email or password.',
  UNAUTHENTICATED: 'You are not signed in.',
  FORBIDDEN_ORIGIN: 'This origin may not make that request.',
  INVALID_FORM_TOKEN: 'This form has expired. Go back, reload the page and try again.',
  NOT_FOUND: 'There is nothing here.',
  EMAIL_TAKEN: 'An account with this email already exists.',
  PAYLOAD_TOO_LARGE: 'The request body is too large.',
  UNSUPPORTED_MEDIA_TYPE: 'Send JSON (application/json).',
  WEAK_PASSWORD: 'Choose a longer or less common password.',
  TOO_MANY_ATTEMPTS: 'Too many attempts. Try again later.',
  INTERNAL: 'Something went wrong on our side.',
  UNAVAILABLE: 'The service is temporarily unavailable.',
};

/** The one error type the service throws on purpose; the error middleware turns it into JSON. */
export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  /** Extra response headers, e.g. `Retry-After`. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(message ?? defaultMessages[code], options);
    this.code = code;
    this.status = errorTable[code].status;
    this.expose = errorTable[code].expose;
    this.headers = options?.headers ?? {};
  }

  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.expose ? this.message : defaultMessages[this.code] } };
  }
}
