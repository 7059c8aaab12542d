import type { Logger } from 'pino';
import type { JobQueue } from '../jobs/job-queue.js';
import { failureMessage } from '../jobs/job-queue.js';
import type { Store } from '../store/store.js';
import type { AppRegistry } from './apps.js';
import type { Tokens } from './tokens.js';

/**
 * OpenID Connect Back-Channel Logout 1.0: when an account session ends, however it ends, every app that got tokens
 * from it and registered a `backchannelLogoutUri` is sent a logout token by POST, from the job queue.
 *
 * How an ended session is found: `session_clients` keeps (session, app) for every redeemed code and has no foreign
 * key to `sessions`, so a row whose session is gone is an ended session whose apps are still to be told. Every way a
 * session ends deletes its row in `sessions` (sign-out, revoke, sign out everywhere, a password change or reset,
 * account deletion by cascade, the expiry sweep); `withSessionEndNotices` queues a `sessionsEndedJob` after each of
 * those deletions, and that job takes the orphaned rows (atomically: one instance gets each) and queues one
 * `logoutTokenJob` per app and session. The periodic expiry sweep queues one for everyone as well, which also picks
 * up whatever ended without a notice (the CLI, a failed enqueue). A request only stores a job.
 */

/** Takes the rows of ended sessions (of `userId`, or everyone's) and queues their logout tokens. */
export const sessionsEndedJob = 'oidc.sessions_ended';
/** Sends one logout token to one app for one session. */
export const logoutTokenJob = 'oidc.backchannel_logout';

/**
 * A dead app is retried 8 times after the first attempt, from 10 s doubling (10 s … 21 min; about 42 minutes in
 * all), then given up with one log line. Each attempt signs a new token, so none is sent stale.
 */
export const logoutTokenRetry = { retryLimit: 8, retryDelayMs: 10_000 } as const;
/** How long an app may take to answer one POST before the attempt counts as failed. */
export const logoutRequestTimeoutMs = 5_000;

type SessionEndedPayload = { userId?: string };
type LogoutTokenPayload = { clientId: string; sessionId: string; userId: string };

/**
 * The store, with a `sessionsEndedJob` queued after every deletion that ended a session. Wrap the store the app
 * is given (outside any cache, so the token lookup of a sign-out is the cached one). A failed enqueue does not fail
 * the sign-out: the next sweep finds the session.
 */
export function withSessionEndNotices(store: Store, jobs: JobQueue, logger: Logger): Store {
  const notify = (payload: SessionEndedPayload) =>
    jobs.enqueue(sessionsEndedJob, payload).catch((err: unknown) => {
      logger.warn({ err: failureMessage(err) }, 'back-channel logout not queued; the next sweep sends it');
    });
  const sessions: Store['sessions'] = {
    ...store.sessions,
    async deleteByTokenHash(tokenHash) {
      const found = await store.sessions.findByTokenHash(tokenHash);
      await store.sessions.deleteByTokenHash(tokenHash);
      if (found) await notify({ userId: found.user_id });
    },
    async deleteForUser(userId, id) {
      const deleted = await store.sessions.deleteForUser(userId, id);
      if (deleted) await notify({ userId });
      return deleted;
    },
    async deleteAllForUser(userId, keepId) {
      const count = await store.sessions.deleteAllForUser(userId, keepId);
      if (count > 0) await notify({ userId });
      return count;
    },
    async deleteExpired(now, seenBefore) {
      const count = await store.sessions.deleteExpired(now, seenBefore);
      // Everyone's, even when none expired now: this is also the catch-up for sessions that ended unnoticed.
      await notify({});
      return count;
    },
  };
  const users: Store['users'] = {
    ...store.users,
    async delete(id) {
      const deleted = await store.users.delete(id);
      if (deleted) await notify({ userId: id });
      return deleted;
    },
  };
  return { ...store, sessions, users };
}

/** Works the two back-channel logout jobs. */
export interface BackChannelLogout {
  /** Registers this process's workers for both jobs. */
  work(): Promise<void>;
}

export function createBackChannelLogout(deps: { store: Store; registry: AppRegistry; tokens: Tokens; jobs: JobQueue }): BackChannelLogout {
  const { store, registry, tokens, jobs } = deps;
  const appOf = (clientId: string) => registry.list().find((a) => a.id === clientId);

  async function send({ clientId, sessionId, userId }: LogoutTokenPayload): Promise<void> {
    const app = appOf(clientId);
    // Unregistered (or its URI removed) since: nobody to tell.
    if (!app?.backchannelLogoutUri) return;
    const logoutToken = await tokens.logoutToken({ userId, clientId, sessionId }, app.idTokenSignedResponseAlg);
    let response: Response;
    try {
      response = await fetch(app.backchannelLogoutUri, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({ logout_token: logoutToken }),
        // Only ever to the registered URI: a redirect is an answer that failed, not a place to send the token.
        redirect: 'manual',
        signal: AbortSignal.timeout(logoutRequestTimeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: unknown } }).cause?.code;
      throw new Error(`back-channel logout to ${clientId} failed: ${failureMessage(err)}${typeof cause === 'string' ? ` (${cause})` : ''}`);
    }
    await response.body?.cancel();
    // §2.8: 200 on success; any 2xx is taken as one (some answer 204).
    if (response.status < 200 || response.status > 299) throw new Error(`back-channel logout to ${clientId}: the app answered ${response.status}`);
  }

  return {
    async work() {
      await jobs.work<SessionEndedPayload>(sessionsEndedJob, async ({ userId }) => {
        const ended = await store.sessionClients.takeEnded(userId);
        for (const row of ended) {
          if (!appOf(row.client_id)?.backchannelLogoutUri) continue;
          await jobs.enqueue(logoutTokenJob, { clientId: row.client_id, sessionId: row.session_id, userId: row.user_id }, logoutTokenRetry);
        }
      });
      await jobs.work<LogoutTokenPayload>(logoutTokenJob, send);
    },
  };
}
