// @ts-check
// /logout: ends the host session, then RP-initiated logout at the service, which comes back to the home page.
import express from 'express';
import { confirmSignOutPage, errorPage, sendPage } from './pages.mjs';

/** @param {import('./app.mjs').HostContext} ctx */
export function signOutRoutes({ config, client, sessions, cookies }) {
  const { publicUrl, serviceUrl, boxClientId } = config;
  const router = express.Router();

  /** @param {import('express').Request} req @param {import('express').Response} res */
  function signOut(req, res) {
    const id = cookies.of(req).get(cookies.names.session);
    const session = sessions.get(id);
    sessions.delete(id);
    res.clearCookie(cookies.names.session, cookies.options);
    cookies.markChecked(res);
    res.redirect(303, session ? client.endSessionUrl(session.tokens.idToken, `${publicUrl}/`) : '/');
  }

  router.post('/logout', (req, res) => {
    const origin = req.headers.origin;
    if ((origin !== undefined && origin !== publicUrl) || req.headers['sec-fetch-site'] === 'cross-site') {
      return sendPage(res, 403, errorPage('Sign-out refused', 'Sign out from this site’s own pages.', { serviceUrl, boxClientId, user: null }));
    }
    signOut(req, res);
  });

  // A typed URL or a link on this site signs out at once; a link from another site asks first.
  router.get('/logout', (req, res) => {
    const site = req.headers['sec-fetch-site'];
    if (site === 'same-origin' || site === 'none') return signOut(req, res);
    sendPage(res, 200, confirmSignOutPage({ serviceUrl, boxClientId, user: null }));
  });

  return router;
}
