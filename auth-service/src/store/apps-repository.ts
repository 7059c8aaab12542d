import type { Kysely } from 'kysely';
import type { JSONWebKeySet } from 'jose';
import type { Database } from './schema.js';

/** How a client's ID tokens are signed (OpenID Connect Core §15.1: RS256 must be offered; ES256 is ours). */
export type IdTokenAlg = 'ES256' | 'RS256';
export const idTokenAlgs = ['ES256', 'RS256'] as const satisfies readonly IdTokenAlg[];

/** One app of the family that shares the bar. */
export interface AppRecord {
  id: string;
  name: string;
  url: string;
  icon: string | null;
  origins: string[];
  redirectUris: string[];
  position: number;
  /** A confidential client authenticates at `/token` and `/revoke` with a secret; a public one has none. */
  confidential: boolean;
  idTokenSignedResponseAlg: IdTokenAlg;
  /**
   * Not listed in the launcher: a second client of an app, such as the public client its pages' box uses in
   * token mode when the app's own id is a confidential client for its back end.
   */
  hidden: boolean;
  /** A confidential client's public keys, for `private_key_jwt`; null when it authenticates with secrets only. */
  jwks: JSONWebKeySet | null;
  /**
   * Where its back end takes logout tokens by POST (OpenID Connect Back-Channel Logout 1.0); null: none. Always set
   * when read from the store; may be left out when writing (none).
   */
  backchannelLogoutUri?: string | null;
  /** Whether it needs `sid` in them (they always carry it here). Left out when writing: true. */
  backchannelLogoutSessionRequired?: boolean;
  /** Shown by the browser's FedCM dialog (the client metadata endpoint); null or absent when not given. */
  privacyPolicyUrl?: string | null | undefined;
  termsOfServiceUrl?: string | null | undefined;
}

/** The `apps` table: the registry as stored (services/apps.ts keeps the copy the service reads). */
export interface AppsRepository {
  /** Every app, by position then id. */
  list(): Promise<AppRecord[]>;
  /** Inserts or replaces an app by id (its secrets stay). */
  upsert(app: AppRecord): Promise<void>;
  /** True when there was such an app. Its secrets go with it. */
  remove(id: string): Promise<boolean>;
}

export function createAppsRepository(db: Kysely<Database>): AppsRepository {
  return {
    async list() {
      const rows = await db.selectFrom('apps').selectAll().orderBy('position').orderBy('id').execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        url: r.url,
        icon: r.icon,
        origins: JSON.parse(r.origins) as string[],
        redirectUris: JSON.parse(r.redirect_uris) as string[],
        position: Number(r.position),
        confidential: Number(r.confidential) === 1,
        idTokenSignedResponseAlg: r.id_token_signed_response_alg === 'RS256' ? 'RS256' : 'ES256',
        hidden: Number(r.hidden) === 1,
        jwks: r.jwks === null ? null : (JSON.parse(r.jwks) as JSONWebKeySet),
        backchannelLogoutUri: r.backchannel_logout_uri,
        backchannelLogoutSessionRequired: Number(r.backchannel_logout_session_required) === 1,
        privacyPolicyUrl: r.privacy_policy_url,
        termsOfServiceUrl: r.terms_of_service_url,
      }));
    },
    async upsert(app) {
      const row = {
        id: app.id,
        name: app.name,
        url: app.url,
        icon: app.icon,
        origins: JSON.stringify(app.origins),
        redirect_uris: JSON.stringify(app.redirectUris),
        position: app.position,
        confidential: app.confidential ? 1 : 0,
        id_token_signed_response_alg: app.idTokenSignedResponseAlg,
        hidden: app.hidden ? 1 : 0,
        jwks: app.jwks === null ? null : JSON.stringify(app.jwks),
        backchannel_logout_uri: app.backchannelLogoutUri ?? null,
        backchannel_logout_session_required: app.backchannelLogoutSessionRequired === false ? 0 : 1,
        privacy_policy_url: app.privacyPolicyUrl ?? null,
        terms_of_service_url: app.termsOfServiceUrl ?? null,
      };
      await db
        .insertInto('apps')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet(row))
        .execute();
    },
    async remove(id) {
      // Explicitly, not only by ON DELETE CASCADE: a SQLite opened without foreign_keys would keep them.
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom('client_secrets').where('client_id', '=', id).execute();
        const result = await trx.deleteFrom('apps').where('id', '=', id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },
  };
}
