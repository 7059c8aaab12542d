import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

// Migrations are append-only: a released one is never edited, a change is a new entry.
const migrations: Record<string, Migration> = {
  '0001_users_sessions_apps': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('picture', 'text')
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('user_agent', 'text', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('apps')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('icon', 'text')
        .addColumn('origins', 'text', (c) => c.notNull())
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '0002_oidc': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_jwk_encrypted', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_at', 'bigint')
        .execute();
      await db.schema
        .createTable('authorization_codes')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
        .addColumn('code_challenge', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text')
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('family_id', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('authorization_codes_session_id').on('authorization_codes').column('session_id').execute();
      await db.schema
        .createTable('refresh_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('family_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('refresh_tokens_family_id').on('refresh_tokens').column('family_id').execute();
      await db.schema.createIndex('refresh_tokens_session_id').on('refresh_tokens').column('session_id').execute();
    },
  },
  '0003_session_time_zone': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('sessions').addColumn('time_zone', 'text').execute();
    },
  },
  '0004_email_identity': {
    // An email is one account whatever its case (see `emailKey` in users-repository.ts): `email` keeps the address
    // as typed, the new unique `email_key` holds it lower-cased. Accounts whose addresses differ only in case
    // cannot both keep theirs, and which one is the person's is not ours to guess: the migration then refuses
    // before it changes anything, naming them, and the operator resolves them by hand.
    async up(db: Kysely<unknown>) {
      // The key as this migration defines it, kept here rather than imported: a migration must not change later.
      const keyOf = (email: string) => email.toLowerCase();
      const { rows } = await sql<{ id: string; email: string }>`SELECT id, email FROM users ORDER BY email, id`.execute(db);
      const byKey = new Map<string, Array<{ id: string; email: string }>>();
      for (const row of rows) {
        const group = byKey.get(keyOf(row.email));
        if (group) group.push(row);
        else byKey.set(keyOf(row.email), [row]);
      }
      const collisions = [...byKey.values()].filter((group) => group.length > 1);
      if (collisions.length > 0) {
        const list = collisions.map((group) => `  ${group.map((u) => `${u.email} (id ${u.id})`).join(', ')}`).join('\n');
        throw new Error(
          `Migration 0004_email_identity stopped: ${collisions.length} group(s) of accounts have emails that differ only in case, ` +
            `and an email now names one account whatever its case. Nothing was changed. Give each group one account ` +
            `(change the others' email in the users table, or delete them), then start again:\n${list}`,
        );
      }
      await db.schema.alterTable('users').addColumn('email_key', 'text', (c) => c.notNull().defaultTo('')).execute();
      for (const row of rows) await sql`UPDATE users SET email_key = ${keyOf(row.email)} WHERE id = ${row.id}`.execute(db);
      // Not `users_email_key`: PostgreSQL already named the unique constraint on `email` so.
      await db.schema.createIndex('users_email_identity').on('users').column('email_key').unique().execute();
    },
  },
  // 0005–0007 are taken by the refresh-token changes made alongside.
  '0008_known_devices': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('known_devices')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('known_devices_user_id').on('known_devices').columns(['user_id', 'created_at']).execute();
    },
  },
  '0009_browser_accounts': {
    // Several accounts per browser: each is its own session row already; this remembers, per account session,
    // when each app last signed in with it (see ClientChoicesTable).
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('client_choices')
        .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('used_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('client_choices_pk', ['session_id', 'client_id'])
        .execute();
    },
  },
  '0010_jobs_and_outbox': {
    async up(db: Kysely<unknown>) {
      // The job queue of a single SQLite instance (jobs/table-job-queue.ts); PostgreSQL runs pg-boss instead.
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('retry_limit', 'integer', (c) => c.notNull())
        .addColumn('retry_delay_ms', 'bigint', (c) => c.notNull())
        .addColumn('run_at', 'bigint', (c) => c.notNull())
        .addColumn('locked_until', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('jobs_due').on('jobs').columns(['state', 'run_at']).execute();
      // Mail kept instead of sent when no SMTP server is configured (development and the demo): /dev/outbox.
      await db.schema
        .createTable('outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('to', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('html', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('outbox_sent_at').on('outbox').column('sent_at').execute();
    },
  },
  '0011_email_links': {
    async up(db: Kysely<unknown>) {
      // When the account's address was last proven (a verification link followed); null: never.
      await db.schema.alterTable('users').addColumn('email_verified_at', 'bigint').execute();
      // Links mailed to prove an address or reset a password; only the SHA-256 of each link's token is kept.
      await db.schema
        .createTable('email_links')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('email_links_user_purpose').on('email_links').columns(['user_id', 'purpose']).execute();
    },
  },
  '0013_session_amr': {
    // How the session was signed in (RFC 8176 values, space-separated); null for sessions from before, which were
    // all password sign-ins. auth_time is the session's created_at: every sign-in opens a new session or renews
    // one in place (the same account again in a browser), which sets created_at and amr anew.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('sessions').addColumn('amr', 'text').execute();
    },
  },
  '0014_two_step': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('totp_credentials')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('secret_encrypted', 'text', (c) => c.notNull())
        .addColumn('confirmed_at', 'bigint')
        .addColumn('last_used_step', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('recovery_codes')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('recovery_codes_user_id').on('recovery_codes').column('user_id').execute();
      await db.schema
        .createTable('pending_sign_ins')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('methods', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('pending_sign_ins_expires_at').on('pending_sign_ins').column('expires_at').execute();
    },
  },
  '0015_passkeys': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('passkeys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('counter', 'bigint', (c) => c.notNull())
        .addColumn('transports', 'text', (c) => c.notNull())
        .addColumn('device_type', 'text', (c) => c.notNull())
        .addColumn('backed_up', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .execute();
      await db.schema.createIndex('passkeys_user_id').on('passkeys').column('user_id').execute();
      await db.schema
        .createTable('webauthn_challenges')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
        .addColumn('challenge', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webauthn_challenges_expires_at').on('webauthn_challenges').column('expires_at').execute();
    },
  },
  '0016_confidential_clients': {
    // A confidential client authenticates at /token and /revoke with a secret; only the secret's SHA-256 is kept,
    // and a rotated-out one keeps working until `expires_at` (null: the current one). The ID token's algorithm is
    // chosen per client (OpenID Connect Core §15.1 makes RS256 mandatory to offer). A hidden app is a client the
    // launcher does not list: the public client of the box on the pages of an app whose back end is confidential.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('apps').addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('apps').addColumn('confidential', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema
        .alterTable('apps')
        .addColumn('id_token_signed_response_alg', 'text', (c) => c.notNull().defaultTo('ES256'))
        .execute();
      await db.schema
        .createTable('client_secrets')
        .addColumn('secret_hash', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema.createIndex('client_secrets_client_id').on('client_secrets').column('client_id').execute();
    },
  },
  '0017_client_assertions': {
    // private_key_jwt (RFC 7523, OpenID Connect Core §9): a confidential client may register its public keys and
    // sign an assertion instead of sending a secret. Each assertion's `jti` is kept until it expires, so one cannot
    // be used twice.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('apps').addColumn('jwks', 'text').execute();
      await db.schema
        .createTable('client_assertions')
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('jti', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('client_assertions_pk', ['client_id', 'jti'])
        .execute();
      await db.schema.createIndex('client_assertions_expires_at').on('client_assertions').column('expires_at').execute();
    },
  },
  '0018_back_channel_logout': {
    // OpenID Connect Back-Channel Logout 1.0: an app may register where its back end takes logout tokens, and the
    // service keeps which apps got tokens from which session. `session_clients` has no foreign key to `sessions`
    // on purpose: a row whose session is gone is an ended session whose apps are still to be told.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('apps').addColumn('backchannel_logout_uri', 'text').execute();
      await db.schema
        .alterTable('apps')
        .addColumn('backchannel_logout_session_required', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .createTable('session_clients')
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('session_clients_pk', ['session_id', 'client_id'])
        .execute();
      await db.schema.createIndex('session_clients_user_id').on('session_clients').column('user_id').execute();
    },
  },
  '0019_app_policy_links': {
    // FedCM's client metadata endpoint shows each app's privacy policy and terms of service in the browser's own
    // sign-in dialog; both optional.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('apps').addColumn('privacy_policy_url', 'text').execute();
      await db.schema.alterTable('apps').addColumn('terms_of_service_url', 'text').execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
