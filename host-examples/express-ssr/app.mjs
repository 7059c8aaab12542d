// @ts-check
// The Express app: server-rendered pages that know the user through the account service. No listen here, so
// it can be built with any client and session store.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createHostSessions } from './host-sessions.mjs';
import { confirmSignOutPage, errorPage, homePage, ordersPage } from './pages.mjs';
import { safeReturnPath } from './return-path.mjs';
import { ServiceUnavailableError, SignedOutError } from './userbox-client.mjs';

// The host examples share one stylesheet.
const pageCss = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'page.css');

/** @param {string | undefined} header */
function parseCookies(header) {
  /** @type {Map<string, string>} */
  const cookies = new Map();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

/**
 * @param {object} deps
 * @param {{ publicUrl: string, serviceUrl: string, clientId: string }} deps.config
 * @param {import('./userbox-client.mjs').UserboxClient} deps.client
 * @param {import('./host-sessions.mjs').HostSessions} [deps.sessions]
 * @param {(message: string) => void} [deps.warn]
 */
export function createApp({ config, client, sessions = createHostSessions(), warn = (m) => console.warn(m) }) {
  const { publicUrl, serviceUrl, clientId } = config;
  const secure = publicUrl.startsWith('https:');
  // __Host-: only this origin may set or read them (needs Secure, so only over https).
  const prefix = secure ? '__Host-' : '';
  const cookieNames = { session: `${prefix}ssr_session`, signIn: `${prefix}ssr_signin`, checked: `${prefix}ssr_checked` };
  /** @type {import('express').CookieOptions} */
  const cookieOptions = { httpOnly: true, secure, sameSite: 'lax' };
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${serviceUrl}`,
    "style-src 'self'",
    `connect-src ${serviceUrl}`,
    `img-src ${serviceUrl} https:`,
    // Sign-out posts here and is redirected on to the service's /end_session.
    `form-action 'self' ${serviceUrl}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((_req, res, next) => {
    res.set({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin',
    });
    next();
  });
  app.get('/page.css', (_req, res) => res.sendFile(pageCss, { maxAge: 0 }));
  app.get('/favicon.ico', (_req, res) => void res.status(204).end());

  /** @param {import('express').Request} req */
  const cookiesOf = (req) => parseCookies(req.headers.cookie);

  /** @param {import('express').Response} res */
  function markChecked(res) {
    res.cookie(cookieNames.checked, '1', cookieOptions); // no Max-Age: ends with the browser session
  }

  /**
   * Remembers a new sign-in and sends the browser to the service's /authorize.
   * @param {import('express').Response} res @param {string} returnTo @param {'none' | 'login' | undefined} prompt
   */
  function startSignIn(res, returnTo, prompt) {
    const tx = client.newTransaction();
    const id = sessions.startSignIn({ ...tx, returnTo, silent: prompt === 'none' });
    res.cookie(cookieNames.signIn, id, { ...cookieOptions, maxAge: 10 * 60_000 });
    res.redirect(303, client.authorizeUrl(tx, prompt ? { prompt } : {}));
  }

  /**
   * Who is signed in, confirmed with the service on every page: /userinfo with the access token; on 401 (or an
   * expired token) one refresh and /userinfo again; if that fails too, the host session ends. A service that
   * cannot be reached signs nobody out, but nobody counts as signed in meanwhile either.
   * @param {import('express').Request} req @param {import('express').Response} res
   * @returns {Promise<{ user: import('./userbox-client.mjs').UserInfo | null, unavailable?: boolean, ended?: boolean }>}
   */
  async function currentUser(req, res) {
    const id = cookiesOf(req).get(cookieNames.session);
    const session = sessions.get(id);
    if (!session) {
      if (id !== undefined) res.clearCookie(cookieNames.session, cookieOptions);
      return { user: null };
    }
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
        res.clearCookie(cookieNames.session, cookieOptions);
        markChecked(res); // signed out at the service: no silent sign-in attempt either
        return { user: null, ended: true };
      }
      warn(`could not confirm the user with the account service: ${err instanceof Error ? err.message : 'unknown error'}`);
      return { user: null, unavailable: true };
    }
  }

  const unavailableNotice = 'The account service cannot be reached just now, so you appear signed out. Try again in a moment.';

  /** @param {import('express').Response} res @param {number} status @param {string} html */
  const sendPage = (res, status, html) => res.status(status).set('Cache-Control', 'no-store').type('html').send(html);

  app.get('/', async (req, res) => {
    const { user, unavailable, ended } = await currentUser(req, res);
    const q = req.query;
    // Learn the user without a click, at most once per browser session: a top-level prompt=none round trip.
    // Not when the URL carries an OAuth answer (the widget's own token mode comes back to this page).
    const isCallbackLike = ['code', 'error', 'state'].some((name) => name in q);
    const isDocument = req.headers['sec-fetch-dest'] === undefined || req.headers['sec-fetch-dest'] === 'document';
    if (!user && !unavailable && !ended && !cookiesOf(req).has(cookieNames.checked) && !isCallbackLike && isDocument) {
      markChecked(res);
      return startSignIn(res, safeReturnPath(req.originalUrl) ?? '/', 'none');
    }
    sendPage(res, 200, homePage({ serviceUrl, user, ...(unavailable ? { notice: unavailableNotice } : {}) }));
  });

  app.get('/orders', async (req, res) => {
    const { user, unavailable } = await currentUser(req, res);
    if (unavailable) {
      return sendPage(res, 503, errorPage('Orders are unavailable', unavailableNotice, { serviceUrl, user: null }));
    }
    if (!user) return startSignIn(res, '/orders', undefined);
    sendPage(res, 200, ordersPage({ serviceUrl, user }));
  });

  app.get('/login', (req, res) => {
    const returnTo = safeReturnPath(req.query['return_to']);
    const prompt = req.query['prompt'];
    if (returnTo === null || (prompt !== undefined && prompt !== 'none' && prompt !== 'login')) {
      return sendPage(res, 400, errorPage('Invalid sign-in link', 'return_to must be a path on this site, such as /orders.', { serviceUrl, user: null }));
    }
    if (prompt === 'none') markChecked(res);
    startSignIn(res, returnTo, prompt);
  });

  app.get('/callback', async (req, res) => {
    const cookies = cookiesOf(req);
    const q = req.query;
    const state = typeof q['state'] === 'string' ? q['state'] : '';
    const pending = sessions.takeSignIn(cookies.get(cookieNames.signIn), state);
    const ctx = { serviceUrl, user: null };
    if (!pending) {
      // An old or foreign callback: never exchange a code this browser did not ask for (login CSRF).
      // A silent check that lost to a newer one in another tab; the marker cookie proves cookies work (no loop).
      if (q['error'] === 'login_required' && cookies.has(cookieNames.checked)) return res.redirect(303, '/');
      return sendPage(res, 400, errorPage('Sign-in expired', 'This sign-in was already used, started in another tab, or took too long. Please sign in again.', ctx));
    }
    res.clearCookie(cookieNames.signIn, cookieOptions);
    // RFC 9207: the service's discovery promises iss on every answer, so a missing one is as foreign as a wrong one.
    if (q['iss'] !== serviceUrl) {
      return sendPage(res, 400, errorPage('Sign-in failed', 'The answer did not come from the expected account service.', ctx));
    }
    if (typeof q['error'] === 'string') {
      if (pending.silent) return res.redirect(303, pending.returnTo); // login_required and co.: stay a guest
      return sendPage(res, 400, errorPage('Sign-in failed', `The account service did not sign you in (${q['error']}).`, ctx));
    }
    if (typeof q['code'] !== 'string') return sendPage(res, 400, errorPage('Sign-in failed', 'The answer had no code.', ctx));
    try {
      const { tokens, claims } = await client.exchangeCode(q['code'], pending);
      sessions.delete(cookies.get(cookieNames.session));
      const user = {
        sub: /** @type {string} */ (claims.sub),
        ...(typeof claims['name'] === 'string' ? { name: claims['name'] } : {}),
        ...(typeof claims['email'] === 'string' ? { email: claims['email'] } : {}),
      };
      res.cookie(cookieNames.session, sessions.create({ tokens, user }), cookieOptions);
      markChecked(res);
      // The box's token mode remembers a silent check that found nobody (widget README); now there is somebody,
      // so let it check again on the next page and show the same user as the server.
      res.clearCookie(`userbox_tried_${encodeURIComponent(clientId)}`, { path: '/', secure, sameSite: 'lax' });
      res.redirect(303, pending.returnTo);
    } catch (err) {
      if (err instanceof ServiceUnavailableError) {
        warn(`sign-in failed: ${err.message}`);
        return sendPage(res, 503, errorPage('Sign-in failed', 'The account service cannot be reached just now. Please try again.', ctx));
      }
      warn(`sign-in refused: ${err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error'}`);
      return sendPage(res, 400, errorPage('Sign-in failed', 'The sign-in could not be completed. Please try again.', ctx));
    }
  });

  /** Ends the host session, then RP-initiated logout at the service, which comes back to the home page. */
  function signOut(/** @type {import('express').Request} */ req, /** @type {import('express').Response} */ res) {
    const id = cookiesOf(req).get(cookieNames.session);
    const session = sessions.get(id);
    sessions.delete(id);
    res.clearCookie(cookieNames.session, cookieOptions);
    markChecked(res);
    res.redirect(303, session ? client.endSessionUrl(session.tokens.idToken, `${publicUrl}/`) : '/');
  }

  app.post('/logout', (req, res) => {
    const origin = req.headers.origin;
    if ((origin !== undefined && origin !== publicUrl) || req.headers['sec-fetch-site'] === 'cross-site') {
      return sendPage(res, 403, errorPage('Sign-out refused', 'Sign out from this site’s own pages.', { serviceUrl, user: null }));
    }
    signOut(req, res);
  });

  // A typed URL or a link on this site signs out at once; a link from another site asks first.
  app.get('/logout', (req, res) => {
    const site = req.headers['sec-fetch-site'];
    if (site === 'same-origin' || site === 'none') return signOut(req, res);
    sendPage(res, 200, confirmSignOutPage({ serviceUrl, user: null }));
  });

  app.use((_req, res) => {
    sendPage(res, 404, errorPage('Not found', 'There is no page at this address.', { serviceUrl, user: null }));
  });

  /** @type {import('express').ErrorRequestHandler} */
  const onError = (err, _req, res, _next) => {
    warn(`request failed: ${err instanceof Error ? err.name : 'unknown error'}`);
    if (res.headersSent) return;
    sendPage(res, 500, errorPage('Something went wrong', 'Please try again.', { serviceUrl, user: null }));
  };
  app.use(onError);

  return { app, sessions };
}
