import { Router, type Request, type Response } from 'express';
import type { SessionCookie } from '../session-cookie.js';
import type { BrowserAccounts } from '../../services/browser-accounts.js';
import { isPostLogoutRedirect, type Clients } from '../../services/clients.js';
import { isOAuthError } from '../../errors.js';
import { pageLanguage } from '../../views/language.js';
import { confirmSignOutPage, signedOutPage } from '../../views/oidc-pages.js';
import { noStore, param, parseForm, sendRequestErrorPage } from './oauth-http.js';
import type { IdTokenHint, Tokens } from '../../services/tokens.js';

/**
 * `GET|POST /end_session` (OpenID Connect RP-Initiated Logout 1.0). With an `id_token_hint` for the browser's own
 * session the user is signed out at once; otherwise the service asks first, so a link on any site cannot sign
 * people out. `post_logout_redirect_uri` must be registered for the client (a redirect URI or its home page).
 */
export function endSessionRoutes(deps: { issuer: string; clients: Clients; tokens: Tokens; accounts: BrowserAccounts; cookie: SessionCookie }): Router {
  const { issuer, clients, tokens, accounts, cookie } = deps;
  const router = Router();

  async function endSession(req: Request, res: Response, source: unknown, confirmed: boolean): Promise<void> {
    noStore(res);
    let hint: string | undefined, postLogout: string | undefined, state: string | undefined, clientIdParam: string | undefined;
    try {
      hint = param(source, 'id_token_hint', 8192);
      postLogout = param(source, 'post_logout_redirect_uri');
      state = param(source, 'state');
      clientIdParam = param(source, 'client_id', 100);
    } catch (err) {
      if (!isOAuthError(err)) throw err;
      return sendRequestErrorPage(res, 'Invalid sign-out request', err.message);
    }
    // An unverified hint (its key is gone) still names the client, as a client_id parameter would: what it may
    // redirect to is checked against that client's registration below, and its sid is never trusted.
    let claims: IdTokenHint | undefined;
    if (hint !== undefined) {
      try {
        claims = await tokens.verifyIdTokenHint(hint);
      } catch (err) {
        if (!isOAuthError(err)) throw err;
        return sendRequestErrorPage(res, 'Invalid sign-out request', err.message);
      }
    }
    if (claims && clientIdParam !== undefined && clientIdParam !== claims.aud) {
      return sendRequestErrorPage(res, 'Invalid sign-out request', 'client_id does not match the id_token_hint.');
    }
    const client = clients.find(claims?.aud ?? clientIdParam);
    if (postLogout !== undefined && (!client || !isPostLogoutRedirect(client, postLogout))) {
      return sendRequestErrorPage(res, 'Invalid sign-out request', 'post_logout_redirect_uri is not registered for this application.');
    }

    const done = () => {
      if (postLogout === undefined) {
        res.type('html').send(signedOutPage(pageLanguage(req)));
        return;
      }
      const url = new URL(postLogout);
      if (state !== undefined) url.searchParams.set('state', state);
      res.redirect(303, url.href);
    };
    const held = await accounts.read(cookie.read(req));
    if (held.length === 0) return done();
    // The hint's account, when it is one of this browser's: an app signs out the account it signed in with, and
    // the browser's other accounts stay. Confirmed without one, every account of the browser ends.
    const hinted = claims?.sid === undefined ? undefined : held.find((a) => a.view.session.id === claims.sid);
    if (confirmed || (claims?.verified === true && hinted)) {
      cookie.set(res, await accounts.signOut(held, hinted?.view.session.id));
      return done();
    }
    res.type('html').send(confirmSignOutPage(pageLanguage(req), { post_logout_redirect_uri: postLogout, state, client_id: client?.id }, client?.name));
  }

  /** The confirmation form posts back here; it counts only when the browser says it came from our own page. */
  const fromOwnPage = (req: Request) =>
    req.headers.origin === issuer || (req.headers.origin === undefined && req.headers['sec-fetch-site'] === 'same-origin');

  router.get('/end_session', (req, res) => endSession(req, res, req.query, false));
  router.post('/end_session', parseForm(20), (req, res) => {
    const body = req.body as Record<string, unknown> | undefined;
    return endSession(req, res, body, body?.['confirm'] === 'yes' && fromOwnPage(req));
  });
  return router;
}
