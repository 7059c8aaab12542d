import type { Generated } from 'kysely';

/** Times are milliseconds since the epoch, stored as integers so SQLite and PostgreSQL agree. */
export interface UsersTable {
  id: string;
  /** The address as the user typed it (domain lower-cased): what the bar and the `email` claim show. */
  email: string;
  /** The address lower-cased: the account's identity, unique (see `emailKey` in users-repository.ts). */
  email_key: string;
  name: string;
  picture: string | null;
  password_hash: string;
  created_at: number;
  /** When the address in `email` was proven by a followed link; null: not (yet). */
  email_verified_at: number | null;
}

export interface SessionsTable {
  /** Public id, shown in session lists; never the secret. */
  id: string;
  /** SHA-256 of the secret cookie value: the cookie itself is never stored. */
  token_hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  user_agent: string;
  ip: string;
  /** The IANA time zone the browser reported at sign-in (where the session began), or null. */
  time_zone: string | null;
}

export interface AppsTable {
  id: string;
  name: string;
  url: string;
  icon: string | null;
  /** JSON array of exact origins, e.g. `["https://news.example.test"]`. */
  origins: string;
  /** JSON array of exact redirect URIs. */
  redirect_uris: string;
  position: Generated<number>;
  /** 1: a confidential client, which authenticates with a secret (`client_secrets`); 0: public (PKCE only). */
  confidential: Generated<number>;
  /** `ES256` or `RS256`: how its ID tokens are signed. */
  id_token_signed_response_alg: Generated<string>;
  /** 1: a client the launcher does not list (the box's public client beside a confidential app). */
  hidden: Generated<number>;
  /** JSON JWK Set of a confidential client's public keys, for `private_key_jwt`; null when it has none. */
  jwks: string | null;
}

/** A `private_key_jwt` assertion already used (its `jti`), kept until it expires so it cannot be replayed. */
export interface ClientAssertionsTable {
  client_id: string;
  jti: string;
  expires_at: number;
}

/** A confidential client's secret, kept only as its SHA-256. */
export interface ClientSecretsTable {
  /** SHA-256 of the secret, base64url. */
  secret_hash: string;
  client_id: string;
  created_at: number;
  /** Null while it is the current secret; once rotated out, when it stops working. */
  expires_at: number | null;
}

/** An OIDC signing key pair; the private half only ever stored encrypted. */
export interface SigningKeysTable {
  kid: string;
  alg: string;
  /** The public JWK as JSON, published at `/jwks.json`. */
  public_jwk: string;
  /** The private JWK as JSON, AES-256-GCM under a key derived from SECRET_KEY. */
  private_jwk_encrypted: string;
  created_at: number;
  /** When it stopped signing; published until every token it signed has expired. */
  retired_at: number | null;
}

export interface AuthorizationCodesTable {
  /** SHA-256 of the code: the code itself is never stored. */
  code_hash: string;
  client_id: string;
  redirect_uri: string;
  user_id: string;
  session_id: string;
  /** PKCE S256 challenge. */
  code_challenge: string;
  scope: string;
  nonce: string | null;
  auth_time: number;
  /** The refresh-token family the code starts; a replayed code revokes it. */
  family_id: string;
  expires_at: number;
  used_at: number | null;
}

export interface RefreshTokensTable {
  /** SHA-256 of the token. */
  token_hash: string;
  /** Every token rotated from one code shares it; reuse of an old one deletes them all. */
  family_id: string;
  client_id: string;
  user_id: string;
  session_id: string;
  scope: string;
  auth_time: number;
  created_at: number;
  expires_at: number;
  /** Set when it is exchanged for the next one; kept to recognise reuse. */
  used_at: number | null;
}

/**
 * A browser that signed in to an account (OWASP's "device cookie"): it may sign in while the account is locked to
 * strangers. One row per browser and account; a new one at every sign-in replaces the browser's last.
 */
export interface KnownDevicesTable {
  /** SHA-256 of the random token in the browser's cookie: the token itself is never stored. */
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

/**
 * Which of a browser's accounts an app (OIDC client) last signed in with, so a later `/authorize` without a hint
 * picks it. A row belongs to one account session, and a session to one browser: the record is per browser, and
 * it lives only here, not in any cookie another site could read.
 */
export interface ClientChoicesTable {
  session_id: string;
  client_id: string;
  used_at: number;
}

/** A job of the SQLite job queue (jobs/table-job-queue.ts): waiting, running, or given up. */
export interface JobsTable {
  id: string;
  name: string;
  /** JSON; emptied when the job gives up, so what it carried (a mail's link) is not kept. */
  payload: string;
  state: 'queued' | 'running' | 'failed';
  /** Attempts begun so far. */
  attempts: number;
  /** Retries after the first attempt before it gives up. */
  retry_limit: number;
  /** The wait before the first retry; each further one waits twice as long. */
  retry_delay_ms: number;
  /** When it may run next. */
  run_at: number;
  /** While running: when its worker's claim lapses (a worker that died), and another may take it. */
  locked_until: number | null;
  /** The last failure's message (never the payload). */
  last_error: string | null;
  created_at: number;
}

/** A mail the embedded outbox kept instead of sending (no SMTP_URL): listed at /dev/outbox. */
export interface OutboxTable {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  sent_at: number;
}

/** What an email link does when followed. */
export type EmailLinkPurpose = 'verify_email' | 'change_email' | 'reset_password';

/** A link mailed to a user (verify an address, reset a password): single use, short-lived. */
export interface EmailLinksTable {
  /** SHA-256 of the link's token: the token itself is only in the mail. */
  token_hash: string;
  user_id: string;
  purpose: EmailLinkPurpose;
  /** The address the link went to and proves: the account's own, or for `change_email` the one it changes to. */
  email: string;
  created_at: number;
  expires_at: number;
  /** Set when followed; a used link is refused. */
  used_at: number | null;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  apps: AppsTable;
  signing_keys: SigningKeysTable;
  authorization_codes: AuthorizationCodesTable;
  refresh_tokens: RefreshTokensTable;
  known_devices: KnownDevicesTable;
  client_choices: ClientChoicesTable;
  jobs: JobsTable;
  outbox: OutboxTable;
  email_links: EmailLinksTable;
  client_secrets: ClientSecretsTable;
  client_assertions: ClientAssertionsTable;
}
