// @ts-check
// The pages: the home page (with the once-per-browser-session silent check) and the protected orders page.
import express from 'express';
import { errorPage, homePage, ordersPage, sendPage } from './pages.mjs';
import { safeReturnPath } from './return-path.mjs';

const unavailableNotice = 'The account service cannot be reached just now, so you appear signed out. Try again in a moment.';

/** `/` and `/orders`. @param {import('./app.mjs').HostContext} ctx */
export function pageRoutes({ config, cookies, currentUser, startSignIn }) {
  const { serviceUrl, boxClientId } = config;
  const router = express.Router();

  router.get('/', async (req, res) => {
    const { user, unavailable, ended } = await currentUser(req, res);
    const q = req.query;
    // Learn the user without a click, at most once per browser session: a top-level prompt=none round trip.
    // Not when the URL carries an OAuth answer (the widget's own token mode comes back to this page).
    const isCallbackLike = ['code', 'error', 'state'].some((name) => name in q);
    const isDocument = req.headers['sec-fetch-dest'] === undefined || req.headers['sec-fetch-dest'] === 'document';
    if (!user && !unavailable && !ended && !cookies.of(req).has(cookies.names.checked) && !isCallbackLike && isDocument) {
      cookies.markChecked(res);
      return startSignIn(res, safeReturnPath(req.originalUrl) ?? '/', 'none');
    }
    sendPage(res, 200, homePage({ serviceUrl, boxClientId, user, ...(unavailable ? { notice: unavailableNotice } : {}) }));
  });

  router.get('/orders', async (req, res) => {
    const { user, unavailable } = await currentUser(req, res);
    if (unavailable) {
      return sendPage(res, 503, errorPage('Orders are unavailable', unavailableNotice, { serviceUrl, boxClientId, user: null }));
    }
    if (!user) return startSignIn(res, '/orders', undefined);
    sendPage(res, 200, ordersPage({ serviceUrl, boxClientId, user }));
  });

  return router;
}
