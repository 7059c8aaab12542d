import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** One app of the family that shares the bar. */
export interface AppRecord {
  id: string;
  name: string;
  url: string;
  icon: string | null;
  origins: string[];
  redirectUris: string[];
  position: number;
}

/** The `apps` table: the registry as stored (services/apps.ts keeps the copy the service reads). */
export interface AppsRepository {
  /** Every app, by position then id. */
  list(): Promise<AppRecord[]>;
  /** Inserts or replaces an app by id. */
  upsert(app: AppRecord): Promise<void>;
  /** True when there was such an app. */
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
      };
      await db
        .insertInto('apps')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet(row))
        .execute();
    },
    async remove(id) {
      const result = await db.deleteFrom('apps').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
