// @ts-check
// Who is signed in: the host session, which a back-channel logout from the service ends (back-channel-logout.mjs).
// With `checkEveryPage` (the old way, kept for the benchmark), confirmed with the account service on every page.
import { SignedOutError } from './userbox-client.mjs';

/**
 * @typedef {{ user: import('./userbox-client.mjs').UserInfo | null, unavailable?: boolean, ended?: boolean }} CurrentUser
 * @typedef {(req: import('express').Request, res: import('express').Response) => Promise<CurrentUser>} CurrentUserCheck
 */

/**
 * The host session's user, with no request to the service: a sign-out anywhere ends the host session through the
 * back-channel logout before the next page. With `checkEveryPage`: /userinfo with the access token; on 401 (or an
 * expired token) one refresh and /userinfo again; if that fails too, the host session ends. A service that cannot
 * be reached signs nobody out, but nobody counts as signed in meanwhile either.
 * @param {Pick<import('./app.mjs').HostContext, 'client' | 'sessions' | 'cookies' | 'warn'> & { checkEveryPage?: boolean }} deps
 * @returns {CurrentUserCheck}
 */
export function createCurrentUserCheck({ client, sessions, cookies, warn, checkEveryPage = false }) {
  return async function currentUser(req, res) {
    const id = cookies.of(req).get(cookies.names.session);
    const session = sessions.get(id);
    if (!session) {
      if (id !== undefined) res.clearCookie(cookies.names.session, cookies.options);
      return { user: null };
    }
    if (!checkEveryPage) return { user: session.user };
    let refreshed = false;
    const refresh = async () => {
      refreshed = true;
      session.refreshing ??= client.refresh(session.tokens).finally(() => (session.refreshing = undefined));
      session.tokens = await session.refreshing;
    };
    try {
      if (session.tokens.expiresAt - 5_000 <= Date.now()) await refresh();
      let user;
      try {
        user = await client.userinfo(session.tokens.accessToken);
      } catch (err) {
        if (!(err instanceof SignedOutError) || refreshed) throw err;
        await refresh();
        user = await client.userinfo(session.tokens.accessToken);
      }
      if (user.sub !== session.user.sub) throw new SignedOutError('The service now answers for another user.');
      session.user = user;
      return { user };
    } catch (err) {
      if (err instanceof SignedOutError) {
        sessions.delete(id);
        res.clearCookie(cookies.names.session, cookies.options);
        cookies.markChecked(res); // signed out at the service: no silent sign-in attempt either
        return { user: null, ended: true };
      }
      warn(`could not confirm the user with the account service: ${err instanceof Error ? err.message : 'unknown error'}`);
      return { user: null, unavailable: true };
    }
  };
}
