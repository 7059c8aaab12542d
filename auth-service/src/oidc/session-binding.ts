import type { SessionPolicy, SessionView } from '../services/sessions.js';
import { toPublicUser } from '../services/users.js';
import type { SessionWithUser } from '../store/sessions-repository.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../clock.js';

/** As in services/sessions.ts: last_seen_at is written at most this often per session. */
const touchIntervalMs = 60_000;

/**
 * Ties tokens to the account session that authorised them. Every refresh and every Bearer request looks the
 * session up by id (one primary-key read), so signing out — here or everywhere — stops them at once. Use by a
 * token counts as activity, like use of the cookie.
 */
export function createSessionBinding(store: Store, policy: SessionPolicy, clock: Clock) {
  const effectiveExpiry = (s: { last_seen_at: number; expires_at: number }) =>
    Math.min(Number(s.expires_at), Number(s.last_seen_at) + policy.idleMs);

  return {
    /** The session if it still exists and has not expired (idle or absolute); null otherwise. */
    async live(sessionId: string): Promise<(SessionWithUser & { effectiveExpiresAt: number }) | null> {
      const found = await store.boundSessions.findById(sessionId);
      if (!found) return null;
      const now = clock();
      if (now >= effectiveExpiry(found)) return null;
      let lastSeen = Number(found.last_seen_at);
      if (now - lastSeen >= touchIntervalMs) {
        lastSeen = now;
        await store.sessions.touch(found, now);
      }
      return { ...found, last_seen_at: lastSeen, effectiveExpiresAt: effectiveExpiry({ ...found, last_seen_at: lastSeen }) };
    },

    /** The `/api/me` body for a live session, the same as with the cookie. */
    view(s: SessionWithUser & { effectiveExpiresAt: number }): SessionView {
      return { user: toPublicUser(s.user), session: { id: s.id, expiresAt: new Date(s.effectiveExpiresAt).toISOString() } };
    },
  };
}

export type SessionBinding = ReturnType<typeof createSessionBinding>;
