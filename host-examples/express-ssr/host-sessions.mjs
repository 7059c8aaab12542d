// @ts-check
// The host's own sessions and sign-ins in progress, in memory (a real app would use its database or Redis). The
// browser holds only random ids in HttpOnly cookies; tokens never leave the server.
import { createHash, timingSafeEqual } from 'node:crypto';
import { randomToken } from './userbox-client.mjs';

/** Compares two secrets in constant time (hashing first makes the lengths equal). @param {string} a @param {string} b */
function sameSecret(a, b) {
  const digest = (/** @type {string} */ s) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * @typedef {object} HostSession
 * @property {import('./userbox-client.mjs').TokenSet} tokens
 * @property {import('./userbox-client.mjs').UserInfo} user  From the ID token (or /userinfo, when every page checks).
 * @property {string | undefined} sid  The account session at the service it came from (the ID token's `sid`).
 * @property {number} lastSeen
 * @property {Promise<import('./userbox-client.mjs').TokenSet> | undefined} refreshing  One refresh at a time.
 *
 * @typedef {import('./userbox-client.mjs').Transaction & { returnTo: string, silent: boolean, createdAt: number }} PendingSignIn
 */

const sessionIdleMs = 12 * 60 * 60_000;
const signInMs = 10 * 60_000;

export function createHostSessions() {
  /** @type {Map<string, HostSession>} */
  const sessions = new Map();
  /** @type {Map<string, PendingSignIn>} */
  const pending = new Map();

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, s] of sessions) if (now - s.lastSeen > sessionIdleMs) sessions.delete(id);
    for (const [id, p] of pending) if (now - p.createdAt > signInMs) pending.delete(id);
  }, 60_000);
  sweep.unref();

  return {
    /** @param {string | undefined} id */
    get(id) {
      const session = id === undefined ? undefined : sessions.get(id);
      if (!session || Date.now() - session.lastSeen > sessionIdleMs) return undefined;
      session.lastSeen = Date.now();
      return session;
    },
    /** A fresh id on every sign-in (no fixation). @param {Omit<HostSession, 'lastSeen' | 'refreshing'>} value */
    create(value) {
      const id = randomToken();
      sessions.set(id, { ...value, lastSeen: Date.now(), refreshing: undefined });
      return id;
    },
    /** @param {string | undefined} id */
    delete(id) {
      if (id !== undefined) sessions.delete(id);
    },
    /**
     * Ends the host sessions a back-channel logout names: those from account session `sid`, or, with no `sid`,
     * every one of user `sub`. Answers how many ended.
     * @param {{ sid?: string, sub?: string }} which
     */
    endFromService({ sid, sub }) {
      let ended = 0;
      for (const [id, s] of sessions) {
        if (sid !== undefined ? s.sid === sid && (sub === undefined || s.user.sub === sub) : s.user.sub === sub) {
          sessions.delete(id);
          ended += 1;
        }
      }
      return ended;
    },
    /** @param {Omit<PendingSignIn, 'createdAt'>} value */
    startSignIn(value) {
      const id = randomToken();
      pending.set(id, { ...value, createdAt: Date.now() });
      return id;
    },
    /**
     * The sign-in this browser started with this `state`, once: a second /callback finds nothing. A callback with
     * another state (an older sign-in from another tab) leaves the current one alone.
     * @param {string | undefined} id @param {string} state
     */
    takeSignIn(id, state) {
      const value = id === undefined ? undefined : pending.get(id);
      if (id === undefined || !value || !sameSecret(value.state, state)) return undefined;
      pending.delete(id);
      return Date.now() - value.createdAt <= signInMs ? value : undefined;
    },
    stop: () => clearInterval(sweep),
  };
}

/** @typedef {ReturnType<typeof createHostSessions>} HostSessions */
