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

export function createAppsRepository(db: Kysely<Database>) {
  return {
    async list(): Promise<AppRecord[]> {
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
    /** Inserts or replaces an app by id. */
    async upsert(app: AppRecord): Promise<void> {
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
    async remove(id: string): Promise<boolean> {
      const result = await db.deleteFrom('apps').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
