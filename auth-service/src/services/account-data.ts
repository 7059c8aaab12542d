import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Locale } from '../views/messages/index.js';
import { goodbyeMail } from '../views/mails.js';
import type { AppRegistry } from './apps.js';
import { describeDevice, describePlace } from './device.js';
import type { Mailer } from './mail.js';
import type { PasswordCheckMeta, SessionService } from './sessions.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

/**
 * `GET /api/me/export`: everything the service holds about a user, without any secret or hash (no password
 * hash, no token or its hash, no signing key). Dates are ISO 8601 in UTC.
 */
export interface AccountExport {
  exportedAt: string;
  profile: { id: string; name: string; email: string; emailVerified: boolean; emailVerifiedAt: string | null; picture: string | null; createdAt: string };
  /** Every session row still stored, with the device and place it began in. */
  sessions: Array<{ id: string; current: boolean; device: string; userAgent: string; ip: string; place: string | null; timeZone: string | null; createdAt: string; lastSeenAt: string; expiresAt: string }>;
  /** Apps the user signed in to through the OpenID Connect provider: when first and last, with what scope. */
  apps: Array<{ clientId: string; name: string | null; scopes: string[]; firstUsedAt: string; lastUsedAt: string; tokens: number }>;
  /** Browsers remembered as having signed in (the sign-in throttle's known devices). */
  knownDevices: Array<{ createdAt: string; expiresAt: string }>;
  /** Links mailed to the user (verification, email change, password reset), without their tokens. */
  emailLinks: Array<{ purpose: string; email: string; createdAt: string; expiresAt: string; usedAt: string | null }>;
}

export interface AccountData {
  exportFor(userId: string, currentSessionId: string): Promise<AccountExport>;
  /**
   * Deletes the account after its password (throttled like a sign-in): every session (the caches forget them),
   * grant, refresh token, code, known device and link, and the user row, in one transaction; then mails goodbye
   * in `locale`.
   */
  deleteAccount(userId: string, password: string, meta: PasswordCheckMeta, locale: Locale): Promise<void>;
}

export function createAccountData(deps: { store: Store; sessions: SessionService; registry: AppRegistry; mailer: Mailer; clock: Clock }): AccountData {
  const { store, sessions, registry, mailer, clock } = deps;
  return {
    async exportFor(userId, currentSessionId) {
      const user = await store.users.findById(userId);
      if (!user) throw new AppError('UNAUTHENTICATED');
      const [sessionRows, tokens, devices, links] = await Promise.all([
        store.sessions.listByUser(userId),
        store.refreshTokens.listByUser(userId),
        store.knownDevices.listByUser(userId),
        store.emailLinks.listByUser(userId),
      ]);
      const names = new Map(registry.list().map((app) => [app.id, app.name]));
      const apps = new Map<string, AccountExport['apps'][number]>();
      for (const t of tokens) {
        const app = apps.get(t.client_id) ?? { clientId: t.client_id, name: names.get(t.client_id) ?? null, scopes: [], firstUsedAt: iso(t.created_at) ?? '', lastUsedAt: '', tokens: 0 };
        app.scopes = [...new Set([...app.scopes, ...t.scope.split(' ')])];
        app.lastUsedAt = iso(Math.max(Number(t.created_at), Number(t.used_at ?? 0))) ?? '';
        app.tokens += 1;
        apps.set(t.client_id, app);
      }
      return {
        exportedAt: new Date(clock()).toISOString(),
        profile: {
          id: user.id,
          name: user.name,
          email: user.email,
          emailVerified: user.email_verified_at !== null,
          emailVerifiedAt: iso(user.email_verified_at),
          picture: user.picture,
          createdAt: iso(user.created_at) ?? '',
        },
        sessions: sessionRows.map((s) => ({
          id: s.id,
          current: s.id === currentSessionId,
          device: describeDevice(s.user_agent),
          userAgent: s.user_agent,
          ip: s.ip,
          place: describePlace(s.time_zone),
          timeZone: s.time_zone,
          createdAt: iso(s.created_at) ?? '',
          lastSeenAt: iso(s.last_seen_at) ?? '',
          expiresAt: iso(s.expires_at) ?? '',
        })),
        apps: [...apps.values()],
        knownDevices: devices.map((d) => ({ createdAt: iso(d.created_at) ?? '', expiresAt: iso(d.expires_at) ?? '' })),
        emailLinks: links.map((l) => ({ purpose: l.purpose, email: l.email, createdAt: iso(l.created_at) ?? '', expiresAt: iso(l.expires_at) ?? '', usedAt: iso(l.used_at) })),
      };
    },

    async deleteAccount(userId, password, meta, locale) {
      const user = await sessions.confirmPassword(userId, password, meta);
      if (!(await store.users.delete(user.id))) throw new AppError('UNAUTHENTICATED');
      await mailer.send(goodbyeMail(locale, user.email, user.name));
    },
  };
}
