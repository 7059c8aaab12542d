// @ts-check
// The sign-in flow from the back end: /login and the silent check start it (state, nonce and PKCE kept on the
// server), /callback finishes it and opens a host session.
import express from 'express';
import { errorPage, sendPage } from './pages.mjs';
import { safeReturnPath } from './return-path.mjs';
import { ServiceUnavailableError } from './userbox-client.mjs';

/**
 * @typedef {'none' | 'login' | 'select_account'} Prompt
 * @typedef {(res: import('express').Response, returnTo: string, prompt: Prompt | undefined, loginHint?: string) => void} StartSignIn
 */

const prompts = new Set(['none', 'login', 'select_account']);

/**
 * `login_hint` as the box sends it after a switch (the account's `sub`) or as a link may carry it (an email):
 * one string of at most 320 characters without control characters, else null. Absent is undefined.
 * @param {unknown} value
 * @returns {string | undefined | null}
 */
export function safeLoginHint(value) {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 320 || /[\u0000-\u001f\u007f]/.test(value)) return null;
  return value;
}

/**
 * Remembers a new sign-in and sends the browser to the service's /authorize.
 * @param {Pick<import('./app.mjs').HostContext, 'client' | 'sessions' | 'cookies'>} deps
 * @returns {StartSignIn}
 */
export function createStartSignIn({ client, sessions, cookies }) {
  return function startSignIn(res, returnTo, prompt, loginHint) {
    const tx = client.newTransaction();
    const id = sessions.startSignIn({ ...tx, returnTo, silent: prompt === 'none' });
    res.cookie(cookies.names.signIn, id, { ...cookies.options, maxAge: 10 * 60_000 });
    res.redirect(303, client.authorizeUrl(tx, { ...(prompt ? { prompt } : {}), ...(loginHint ? { loginHint } : {}) }));
  };
}

/** `/login` and `/callback`. @param {import('./app.mjs').HostContext} ctx */
export function signInRoutes(ctx) {
  const { config, cookies, sessions, startSignIn } = ctx;
  const { serviceUrl, boxClientId } = config;
  const router = express.Router();

  router.get('/login', (req, res) => {
    const returnTo = safeReturnPath(req.query['return_to']);
    const prompt = req.query['prompt'];
    // After a switch in the box (see /account-switch.js), `login_hint` names the account to sign in as.
    const loginHint = safeLoginHint(req.query['login_hint']);
    if (returnTo === null || loginHint === null || (prompt !== undefined && !prompts.has(String(prompt)))) {
      return sendPage(
        res,
        400,
        errorPage('Invalid sign-in link', 'return_to must be a path on this site, such as /orders, and prompt and login_hint given at most once.', { serviceUrl, boxClientId, user: null }),
      );
    }
    if (prompt === 'none') cookies.markChecked(res);
    startSignIn(res, returnTo, /** @type {Prompt | undefined} */ (prompt), loginHint);
  });

  router.get('/callback', async (req, res) => {
    const requestCookies = cookies.of(req);
    const q = req.query;
    const state = typeof q['state'] === 'string' ? q['state'] : '';
    const pending = sessions.takeSignIn(requestCookies.get(cookies.names.signIn), state);
    const page = { serviceUrl, boxClientId, user: null };
    if (!pending) {
      // An old or foreign callback: never exchange a code this browser did not ask for (login CSRF).
      // A silent check that lost to a newer one in another tab; the marker cookie proves cookies work (no loop).
      if (q['error'] === 'login_required' && requestCookies.has(cookies.names.checked)) return res.redirect(303, '/');
      return sendPage(res, 400, errorPage('Sign-in expired', 'This sign-in was already used, started in another tab, or took too long. Please sign in again.', page));
    }
    res.clearCookie(cookies.names.signIn, cookies.options);
    // RFC 9207: the service's discovery promises iss on every answer, so a missing one is as foreign as a wrong one.
    if (q['iss'] !== serviceUrl) {
      return sendPage(res, 400, errorPage('Sign-in failed', 'The answer did not come from the expected account service.', page));
    }
    if (typeof q['error'] === 'string') {
      if (pending.silent) return res.redirect(303, pending.returnTo); // login_required and co.: stay a guest
      return sendPage(res, 400, errorPage('Sign-in failed', `The account service did not sign you in (${q['error']}).`, page));
    }
    if (typeof q['code'] !== 'string') return sendPage(res, 400, errorPage('Sign-in failed', 'The answer had no code.', page));
    await finishSignIn(ctx, req, res, q['code'], pending);
  });

  return router;
}

/**
 * Exchanges the code, replaces any host session with a new one, and goes back where the sign-in started.
 * @param {import('./app.mjs').HostContext} ctx @param {import('express').Request} req @param {import('express').Response} res
 * @param {string} code @param {import('./host-sessions.mjs').PendingSignIn} pending
 */
async function finishSignIn({ config, client, sessions, cookies, warn }, req, res, code, pending) {
  const page = { serviceUrl: config.serviceUrl, boxClientId: config.boxClientId, user: null };
  try {
    const { tokens, claims } = await client.exchangeCode(code, pending);
    sessions.delete(cookies.of(req).get(cookies.names.session));
    const user = {
      sub: /** @type {string} */ (claims.sub),
      ...(typeof claims['name'] === 'string' ? { name: claims['name'] } : {}),
      ...(typeof claims['email'] === 'string' ? { email: claims['email'] } : {}),
      ...(typeof claims['picture'] === 'string' ? { picture: claims['picture'] } : {}),
    };
    const sid = typeof claims['sid'] === 'string' ? claims['sid'] : undefined;
    res.cookie(cookies.names.session, sessions.create({ tokens, user, sid }), cookies.options);
    cookies.markChecked(res);
    // The box's token mode remembers a silent check that found nobody (widget README); now there is somebody,
    // so let it check again on the next page and show the same user as the server.
    res.clearCookie(`userbox_tried_${encodeURIComponent(config.boxClientId ?? config.clientId)}`, { path: '/', secure: cookies.secure, sameSite: 'lax' });
    res.redirect(303, pending.returnTo);
  } catch (err) {
    if (err instanceof ServiceUnavailableError) {
      warn(`sign-in failed: ${err.message}`);
      return sendPage(res, 503, errorPage('Sign-in failed', 'The account service cannot be reached just now. Please try again.', page));
    }
    warn(`sign-in refused: ${err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error'}`);
    return sendPage(res, 400, errorPage('Sign-in failed', 'The sign-in could not be completed. Please try again.', page));
  }
}
