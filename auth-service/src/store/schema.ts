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
  /**
   * How the user signed in, as RFC 8176 `amr` values separated by spaces (`pwd`, `pwd otp mfa`, `hwk mfa`); null
   * for sessions opened before it was recorded (all by password). The session's created_at is its auth_time.
   */
  amr: string | null;
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
  /** Where its back end takes logout tokens (OpenID Connect Back-Channel Logout 1.0); null: it takes none. */
  backchannel_logout_uri: string | null;
  /** 1: its logout tokens carry `sid` (they always do here; kept as registered, for discovery of the client). */
  backchannel_logout_session_required: Generated<number>;
  /** The app's privacy policy and terms of service (FedCM's client metadata); null when not given. */
  privacy_policy_url: string | null;
  terms_of_service_url: string | null;
}

/**
 * An app that got tokens from an account session (a redeemed code; refresh tokens descend from it): the apps a
 * back-channel logout goes to. No foreign key to `sessions`: the row outlives its session until the logout notices
 * are queued, which is how an ended session is found whichever way it ended (services/back-channel-logout.ts).
 */
export interface SessionClientsTable {
  session_id: string;
  client_id: string;
  user_id: string;
  created_at: number;
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

/** A user's authenticator app (two-step verification); one per user. */
export interface TotpCredentialsTable {
  user_id: string;
  /** The base32 secret, sealed under a key derived from SECRET_KEY to this user id (services/sealed-box.ts). */
  secret_encrypted: string;
  /** Null until the user confirmed it with a first code: only then does sign-in ask for codes. */
  confirmed_at: number | null;
  /** The RFC 6238 time step of the last code accepted: that code and older ones are refused. */
  last_used_step: number | null;
  created_at: number;
}

/** Single-use recovery codes, shown once; only an HMAC of each is stored. */
export interface RecoveryCodesTable {
  code_hash: string;
  user_id: string;
  created_at: number;
  used_at: number | null;
}

/**
 * A sign-in that passed its first step (the password) and waits for the second: bound to one browser by a random
 * token in its cookie, of which only the SHA-256 is stored; short-lived and used once.
 */
export interface PendingSignInsTable {
  token_hash: string;
  user_id: string;
  /** The RFC 8176 methods passed so far, space-separated (`pwd`). */
  methods: string;
  /** Wrong codes given for it; past a few it is deleted and the user starts again. */
  failures: Generated<number>;
  created_at: number;
  expires_at: number;
}

/** A WebAuthn credential (passkey) registered to a user. */
export interface PasskeysTable {
  /** The credential id, base64url, as the authenticator made it. */
  id: string;
  user_id: string;
  /** What the user called it ("Phone", "Work laptop"). */
  name: string;
  /** The COSE public key, base64url. */
  public_key: string;
  /** The signature counter last seen; a response with a lower one (a cloned key) is refused. */
  counter: number;
  /** JSON array of the transports the authenticator reported (`["internal","hybrid"]`). */
  transports: string;
  /** `singleDevice` (device-bound: amr `hwk`) or `multiDevice` (synced: amr `swk`). */
  device_type: string;
  /** 1 when the authenticator said the key is backed up (synced). */
  backed_up: number;
  created_at: number;
  last_used_at: number | null;
}

/**
 * A WebAuthn challenge handed to one browser (the hash of a random token in its cookie): single use, short-lived,
 * for one purpose (`register` for a signed-in user, `sign_in` for anyone).
 */
export interface WebauthnChallengesTable {
  token_hash: string;
  purpose: string;
  user_id: string | null;
  /** The challenge, base64url, as sent in the options. */
  challenge: string;
  created_at: number;
  expires_at: number;
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
  session_clients: SessionClientsTable;
  jobs: JobsTable;
  outbox: OutboxTable;
  email_links: EmailLinksTable;
  client_secrets: ClientSecretsTable;
  client_assertions: ClientAssertionsTable;
  totp_credentials: TotpCredentialsTable;
  recovery_codes: RecoveryCodesTable;
  pending_sign_ins: PendingSignInsTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
}
