import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { ThrottlePolicy } from './services/login-throttle.js';
import type { MailLimitPolicy } from './services/mail-limits.js';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function widgetDistDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@userbox/widget/package.json')), 'dist');
}

const minutes = z.coerce.number().int().positive();

/** Every setting of the service, read from the environment once and validated here. */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** The address browsers use to reach the service; cookies are `Secure` and `__Host-` when it is https. */
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** `sqlite:<file>` (the default, relative to the package) or `:memory:`. */
  DATABASE_URL: z.string().min(1).default('sqlite:data/userbox.sqlite'),
  /** PostgreSQL only: the schema to use (created if missing). */
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).optional(),
  /** With several instances: sessions cache, invalidation, rate-limit and login-failure counters. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** Prefix of every Redis key and channel, so several installations can share one Redis. */
  REDIS_PREFIX: z.string().min(1).max(64).default('userbox:'),
  /** The registry of apps that share the bar, loaded at start. */
  APPS_FILE: z.string().min(1).default(path.join(packageDir, 'userbox.apps.json')),
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  SESSION_IDLE_MINUTES: minutes.default(7 * 24 * 60),
  SESSION_ABSOLUTE_MINUTES: minutes.default(30 * 24 * 60),
  /** Create a demo account on first start and print its password once. */
  SEED_DEMO_USER: z.stringbool().default(false),
  /**
   * 32+ random bytes (base64url or hex) for form tokens, for encrypting signing keys and TOTP secrets at rest, and
   * for the recovery codes' HMAC (each use gets its own key, derived by HKDF). Without it a
   * SQLite deployment keeps one in `<data dir>/secret.key`; several instances must share one explicitly.
   */
  SECRET_KEY: z.string().min(43).optional(),
  /** Password checks and sign-ups allowed per client IP per minute. */
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(30),
  /** Failed sign-ins for one account from one client (IPv4 address, IPv6 /64) before each further try must wait (1 s, 2 s, 4 s …). */
  LOGIN_FREE_ATTEMPTS: z.coerce.number().int().positive().default(5),
  /** Failed sign-ins for one account from all IPs before it locks for browsers it has not seen sign in. */
  LOGIN_ACCOUNT_LOCK_THRESHOLD: z.coerce.number().int().positive().default(100),
  LOGIN_ACCOUNT_LOCK_MINUTES: minutes.default(15),
  /** Failed sign-ins with one known-device token before it counts as a stranger's for LOGIN_ACCOUNT_LOCK_MINUTES. */
  LOGIN_DEVICE_LOCK_THRESHOLD: z.coerce.number().int().positive().default(10),
  /** Express `trust proxy`: `false` (default: use the socket address), a hop count, or addresses/subnets. */
  TRUST_PROXY: z.string().default('false'),
  /** Lifetime of OIDC access and ID tokens in seconds (at most 10 minutes). */
  OIDC_TOKEN_SECONDS: z.coerce.number().int().min(30).max(600).default(600),
  /** Signing keys are replaced this often; `npx userbox keys rotate` replaces the key at once. */
  OIDC_KEY_ROTATION_DAYS: z.coerce.number().int().positive().default(30),
  /** How long a refresh token that was just rotated still works, so two tabs refreshing at once both succeed. */
  OIDC_REFRESH_GRACE_SECONDS: z.coerce.number().int().min(0).max(60).default(10),
  /**
   * How long a confidential client's previous secret keeps working after `npx userbox apps secret rotate` (or a
   * new hash in the registry file), so the app can be redeployed with the new one meanwhile (0–720 hours).
   */
  OIDC_CLIENT_SECRET_GRACE_HOURS: z.coerce.number().min(0).max(720).default(24),
  /**
   * Where the `userbox_sync` cookie is shared: how the boxes of the site's apps hear of a sign-in, sign-out or
   * profile change, and whether the view a box kept from an earlier page view still holds.
   * Default: the service's host name without its first label (`accounts.example.com` → `example.com`). Set it
   * under a public suffix of more than one label (`example.co.uk`).
   */
  SYNC_COOKIE_DOMAIN: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'a domain name such as example.com').optional(),
  /**
   * Where mail goes: `smtp://user:pass@host:587` (STARTTLS when the server offers it) or `smtps://…:465`.
   * Unset: the embedded outbox keeps every mail in the database, listed at `/dev/outbox` (development only).
   */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  /** The From of every mail, `Name <address>` or an address. Default: `Userbox <no-reply@<PUBLIC_URL's host>>`. */
  MAIL_FROM: z.string().min(3).max(320).optional(),
  /** Link mails (verification, password reset) one address may be sent per hour; more are not sent. */
  MAIL_LIMIT_PER_ADDRESS_PER_HOUR: z.coerce.number().int().positive().default(5),
  /** Link mails one client (IPv4 address, IPv6 /64) may cause per hour. */
  MAIL_LIMIT_PER_IP_PER_HOUR: z.coerce.number().int().positive().default(30),
  /** Retries of a failed job (a mail the SMTP server refused, say) before it gives up. */
  JOB_RETRY_LIMIT: z.coerce.number().int().min(0).max(50).default(12),
  /** Wait before a failed job's first retry; each further retry waits twice as long (at most an hour). */
  JOB_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
  /** `production` turns the development pages (`/dev/outbox`) off, wherever the service listens. */
  NODE_ENV: z.string().optional(),
  /**
   * The WebAuthn relying party ID passkeys are bound to. Default: the host name of PUBLIC_URL. It may be a
   * registrable suffix of that host (`example.com` for `accounts.example.com`), so passkeys outlive a move between
   * the site's subdomains; it must not be a bare top-level label. Changing it later orphans every passkey.
   */
  WEBAUTHN_RP_ID: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)*$/i, 'a host name such as example.com').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WIDGET_DIR: z.string().min(1).optional(),
});

export interface Config {
  port: number;
  host: string;
  /** Origin-only URL without a trailing slash, e.g. `https://accounts.example.test`. */
  publicUrl: string;
  databaseUrl: string;
  databaseSchema: string | undefined;
  redis: { url: string; prefix: string } | null;
  appsFile: string;
  tls: { certFile: string; keyFile: string } | null;
  session: { idleMs: number; absoluteMs: number };
  seedDemoUser: boolean;
  /** Null when not configured: server.ts then finds or makes one (see SECRET_KEY). */
  secretKey: Buffer | null;
  trustProxy: boolean | number | string;
  oidc: OidcPolicy;
  authRateLimitPerMinute: number;
  loginThrottle: ThrottlePolicy;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  widgetDir: string;
  /** Undefined: derived from publicUrl (see SYNC_COOKIE_DOMAIN). */
  syncCookieDomain: string | undefined;
  /** Passkeys: the relying party ID (WEBAUTHN_RP_ID or the service's host) and the one origin responses must come from. */
  webauthn: { rpId: string; origin: string };
  mail: MailSettings;
  /**
   * Whether `/dev/outbox` is served: only when NODE_ENV is not `production` and the service listens on loopback,
   * so mail (and the links in it) can never be read from another machine.
   */
  devPages: boolean;
  /** Defaults of every job (see jobs/job-queue.ts). */
  jobRetry: { retryLimit: number; retryDelayMs: number };
}

export interface MailSettings {
  /** Null: the embedded outbox (see SMTP_URL). */
  smtpUrl: string | null;
  from: string;
  limits: MailLimitPolicy;
}

/** Lifetimes for the OpenID Connect provider (services/tokens.ts, services/signing-keys.ts, services/grants.ts). */
export interface OidcPolicy {
  /** Access and ID tokens. */
  tokenTtlMs: number;
  keyRotationMs: number;
  refreshGraceMs: number;
  /** How long a rotated-out client secret still works. */
  clientSecretGraceMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function decodeSecret(value: string): Buffer {
  const key = /^[0-9a-f]+$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64url');
  if (key.length < 32) throw new ConfigError('Invalid configuration: SECRET_KEY must hold at least 32 bytes');
  return key;
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'false' || value === '') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  if (Boolean(e.TLS_CERT_FILE) !== Boolean(e.TLS_KEY_FILE)) {
    throw new ConfigError('Invalid configuration: TLS_CERT_FILE and TLS_KEY_FILE go together');
  }
  const scheme = e.TLS_CERT_FILE ? 'https' : 'http';
  const publicUrl = new URL(e.PUBLIC_URL ?? `${scheme}://localhost:${e.PORT}`).origin;
  const host = new URL(publicUrl).hostname;
  const rpId = (e.WEBAUTHN_RP_ID ?? host).toLowerCase();
  // WebAuthn §5.1.4.1: the RP ID is the origin's host or a registrable domain suffix of it.
  if (rpId !== host && !(host.endsWith(`.${rpId}`) && rpId.includes('.'))) {
    throw new ConfigError(`Invalid configuration: WEBAUTHN_RP_ID must be ${host} or a registrable suffix of it (such as ${host.split('.').slice(-2).join('.')})`);
  }
  const databaseUrl =
    e.DATABASE_URL.startsWith('sqlite:') && !path.isAbsolute(e.DATABASE_URL.slice(7))
      ? `sqlite:${path.join(packageDir, e.DATABASE_URL.slice(7))}`
      : e.DATABASE_URL;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    databaseUrl,
    databaseSchema: e.DATABASE_SCHEMA,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : null,
    appsFile: e.APPS_FILE,
    tls: e.TLS_CERT_FILE && e.TLS_KEY_FILE ? { certFile: e.TLS_CERT_FILE, keyFile: e.TLS_KEY_FILE } : null,
    session: { idleMs: e.SESSION_IDLE_MINUTES * 60_000, absoluteMs: e.SESSION_ABSOLUTE_MINUTES * 60_000 },
    seedDemoUser: e.SEED_DEMO_USER,
    secretKey: e.SECRET_KEY ? decodeSecret(e.SECRET_KEY) : null,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    oidc: {
      tokenTtlMs: e.OIDC_TOKEN_SECONDS * 1000,
      keyRotationMs: e.OIDC_KEY_ROTATION_DAYS * 86_400_000,
      refreshGraceMs: e.OIDC_REFRESH_GRACE_SECONDS * 1000,
      clientSecretGraceMs: Math.round(e.OIDC_CLIENT_SECRET_GRACE_HOURS * 3_600_000),
    },
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    loginThrottle: {
      freeAttempts: e.LOGIN_FREE_ATTEMPTS,
      maxDelayMs: 15 * 60_000,
      accountLockThreshold: e.LOGIN_ACCOUNT_LOCK_THRESHOLD,
      accountLockMs: e.LOGIN_ACCOUNT_LOCK_MINUTES * 60_000,
      deviceLockThreshold: e.LOGIN_DEVICE_LOCK_THRESHOLD,
    },
    logLevel: e.LOG_LEVEL,
    widgetDir: e.WIDGET_DIR ?? widgetDistDir(),
    syncCookieDomain: e.SYNC_COOKIE_DOMAIN,
    devPages: e.NODE_ENV !== 'production' && isLoopbackHost(e.HOST),
    mail: {
      smtpUrl: e.SMTP_URL ?? null,
      from: e.MAIL_FROM ?? `Userbox <no-reply@${new URL(publicUrl).hostname}>`,
      limits: { perAddressPerHour: e.MAIL_LIMIT_PER_ADDRESS_PER_HOUR, perIpPerHour: e.MAIL_LIMIT_PER_IP_PER_HOUR },
    },
    jobRetry: { retryLimit: e.JOB_RETRY_LIMIT, retryDelayMs: e.JOB_RETRY_DELAY_SECONDS * 1000 },
    webauthn: { rpId, origin: publicUrl },
  };
}
