import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Dialect } from 'kysely';
import pg from 'pg';
import { postgresDirectRead, sqliteDirectRead, type DirectRead } from './direct-read.js';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';
import { createAppsRepository, type AppsRepository } from './apps-repository.js';
import { createClientChoicesRepository, type ClientChoicesRepository } from './client-choices-repository.js';
import { createSessionClientsRepository, type SessionClientsRepository } from './session-clients-repository.js';
import { createClientAssertionsRepository, type ClientAssertionsRepository } from './client-assertions-repository.js';
import { createClientSecretsRepository, type ClientSecretsRepository } from './client-secrets-repository.js';
import { createAuthorizationCodesRepository, type AuthorizationCodesRepository } from './authorization-codes-repository.js';
import { createKnownDevicesRepository, type KnownDevicesRepository } from './known-devices-repository.js';
import { createRefreshTokensRepository, type RefreshTokensRepository } from './refresh-tokens-repository.js';
import { createSigningKeysRepository, type SigningKeysRepository } from './signing-keys-repository.js';
import { createSessionsRepository, type SessionsRepository } from './sessions-repository.js';
import { createUsersRepository, type UsersRepository } from './users-repository.js';
import { createJobsRepository, type JobsRepository } from './jobs-repository.js';
import { createOutboxRepository, type OutboxRepository } from './outbox-repository.js';
import { createEmailLinksRepository, type EmailLinksRepository } from './email-links-repository.js';
import { createTotpCredentialsRepository, type TotpCredentialsRepository } from './totp-credentials-repository.js';
import { createRecoveryCodesRepository, type RecoveryCodesRepository } from './recovery-codes-repository.js';
import { createPendingSignInsRepository, type PendingSignInsRepository } from './pending-sign-ins-repository.js';
import { createPasskeysRepository, type PasskeysRepository } from './passkeys-repository.js';
import { createWebauthnChallengesRepository, type WebauthnChallengesRepository } from './webauthn-challenges-repository.js';

/** The database and one repository per table. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly users: UsersRepository;
  readonly sessions: SessionsRepository;
  readonly apps: AppsRepository;
  readonly clientSecrets: ClientSecretsRepository;
  readonly clientAssertions: ClientAssertionsRepository;
  readonly signingKeys: SigningKeysRepository;
  readonly authorizationCodes: AuthorizationCodesRepository;
  readonly refreshTokens: RefreshTokensRepository;
  readonly knownDevices: KnownDevicesRepository;
  readonly clientChoices: ClientChoicesRepository;
  /** Which apps got tokens from which session: whom a back-channel logout goes to. */
  readonly sessionClients: SessionClientsRepository;
  /** The SQLite job queue's table (PostgreSQL runs pg-boss in a schema of its own). */
  readonly jobs: JobsRepository;
  readonly outbox: OutboxRepository;
  readonly emailLinks: EmailLinksRepository;
  readonly totpCredentials: TotpCredentialsRepository;
  readonly recoveryCodes: RecoveryCodesRepository;
  readonly pendingSignIns: PendingSignInsRepository;
  readonly passkeys: PasskeysRepository;
  readonly webauthnChallenges: WebauthnChallengesRepository;
  /** Cheap round trip for `/readyz`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// PostgreSQL's int8 (our millisecond timestamps) arrives as a string by default; ours fit in a double.
const pgTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format),
} as pg.CustomTypesConfig;

export interface StoreOptions {
  /** PostgreSQL only: the schema to use (created if missing); tests give each run its own. */
  schema?: string;
}

/**
 * Kysely prepares every query anew; on the hot path that costs more than running it. better-sqlite3
 * statements are reusable, and Kysely runs one query at a time per connection, so keep them by SQL text.
 */
function withStatementCache(database: SQLite.Database, max = 500): SQLite.Database {
  const prepare = database.prepare.bind(database);
  const cache = new Map<string, SQLite.Statement>();
  database.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      statement = prepare(source);
      if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      cache.set(source, statement);
    }
    return statement;
  }) as typeof database.prepare;
  return database;
}

function openDialect(databaseUrl: string, options: StoreOptions): { dialect: Dialect; directRead: DirectRead } {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
      throw new Error(`Invalid schema name: ${options.schema}`);
    }
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      types: pgTypes,
      max: 10,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    // A connection that drops emits 'error' on its client (and, when idle, on the pool); unheard, either would
    // end the process. The query in flight fails (503), the pool discards the client, the next query reconnects.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    return { dialect: new PostgresDialect({ pool }), directRead: postgresDirectRead(pool) };
  }
  if (databaseUrl === ':memory:' || databaseUrl === 'sqlite::memory:') {
    const database = new SQLite(':memory:');
    // As for files: SQLite's default depends on how it was built, and without it ON DELETE CASCADE does nothing.
    database.pragma('foreign_keys = ON');
    withStatementCache(database);
    return { dialect: new SqliteDialect({ database }), directRead: sqliteDirectRead(database) };
  }
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    mkdirSync(path.dirname(file), { recursive: true });
    const database = new SQLite(file);
    // WAL lets readers (the hot /api/me path) run while a sign-in writes.
    database.pragma('journal_mode = WAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    withStatementCache(database);
    return { dialect: new SqliteDialect({ database }), directRead: sqliteDirectRead(database) };
  }
  throw new Error(`Unsupported DATABASE_URL (use sqlite:<file>, :memory: or postgres://…): scheme: ${databaseUrl.split(':')[0] ?? ''}`);
}

/** Opens the database named by `databaseUrl`, runs pending migrations, and returns the repositories. */
export async function openStore(databaseUrl: string, options: StoreOptions = {}): Promise<Store> {
  const { dialect, directRead } = openDialect(databaseUrl, options);
  const db = new Kysely<Database>({ dialect });
  if (options.schema) await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(options.schema)}`.execute(db);
  // With a schema, Kysely's own tables go there too: otherwise it finds another schema's (a parallel test run's)
  // kysely_migration_lock, skips creating its own, and fails.
  const migrator = new Migrator({ db, provider: migrationProvider, ...(options.schema ? { migrationTableSchema: options.schema } : {}) });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw error;
  }
  return {
    db,
    users: createUsersRepository(db),
    sessions: createSessionsRepository(db, directRead),
    apps: createAppsRepository(db),
    clientSecrets: createClientSecretsRepository(db),
    clientAssertions: createClientAssertionsRepository(db),
    signingKeys: createSigningKeysRepository(db),
    authorizationCodes: createAuthorizationCodesRepository(db),
    refreshTokens: createRefreshTokensRepository(db),
    knownDevices: createKnownDevicesRepository(db),
    clientChoices: createClientChoicesRepository(db),
    sessionClients: createSessionClientsRepository(db),
    jobs: createJobsRepository(db),
    outbox: createOutboxRepository(db),
    emailLinks: createEmailLinksRepository(db),
    totpCredentials: createTotpCredentialsRepository(db),
    recoveryCodes: createRecoveryCodesRepository(db),
    pendingSignIns: createPendingSignInsRepository(db),
    passkeys: createPasskeysRepository(db),
    webauthnChallenges: createWebauthnChallengesRepository(db),
    async ping() {
      await db.selectFrom('users').select('id').limit(1).execute();
    },
    close: () => db.destroy(),
  };
}

const unavailableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', 'SQLITE_BUSY', 'SQLITE_CANTOPEN']);

/** True for errors that mean "the database cannot be reached now" (answer 503), not "this query is wrong". */
export function isDatabaseUnavailable(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && unavailableCodes.has(code)) return true;
  return typeof message === 'string' && /driver has already been destroyed|database connection is not open|Connection terminated/i.test(message);
}
