import type { Generated } from 'kysely';

/** Times are milliseconds since the epoch, stored as integers so SQLite and PostgreSQL agree. */
export interface UsersTable {
  id: string;
  email: string;
  name: string;
  picture: string | null;
  password_hash: string;
  created_at: number;
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
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  apps: AppsTable;
}
