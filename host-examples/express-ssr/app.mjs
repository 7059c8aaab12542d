// @ts-check
// The Express app: server-rendered pages that know the user through the account service. No listen here, so
// it can be built with any client and session store. Each route group is its own module; this file wires them.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createCurrentUserCheck } from './current-user.mjs';
import { createHostCookies } from './host-cookies.mjs';
import { createHostSessions } from './host-sessions.mjs';
import { pageRoutes } from './page-routes.mjs';
import { errorPage, sendPage } from './pages.mjs';
import { securityHeaders } from './security-headers.mjs';
import { createStartSignIn, signInRoutes } from './sign-in.mjs';
import { signOutRoutes } from './sign-out.mjs';
import { backChannelLogoutRoutes } from './back-channel-logout.mjs';

// The host examples share one stylesheet.
const pageCss = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'page.css');
const accountSwitchJs = path.join(path.dirname(fileURLToPath(import.meta.url)), 'account-switch.js');

/**
 * @typedef {object} HostConfig
 * @property {string} publicUrl   This app's origin as browsers see it.
 * @property {string} serviceUrl  The account service as browsers see it, and the tokens' `iss`.
 * @property {string} clientId    This app's id in the service's registry.
 * @property {string} [boxClientId]  The public client the page's box signs in with in token mode, when `clientId`
 *   is confidential (a secret cannot live in a page); unset, the box uses the app's own id.
 * @property {boolean} [checkEveryPage]  Ask /userinfo on every page (before back-channel logout; the benchmark's
 *   "before"). Off: a page costs the service no request.
 *
 * @typedef {object} HostContext  What the route groups share, built once per app.
 * @property {HostConfig} config
 * @property {import('./userbox-client.mjs').UserboxClient} client
 * @property {import('./host-sessions.mjs').HostSessions} sessions
 * @property {import('./host-cookies.mjs').HostCookies} cookies
 * @property {(message: string) => void} warn
 * @property {import('./current-user.mjs').CurrentUserCheck} currentUser
 * @property {import('./sign-in.mjs').StartSignIn} startSignIn
 */

/**
 * @param {object} deps
 * @param {HostConfig} deps.config
 * @param {import('./userbox-client.mjs').UserboxClient} deps.client
 * @param {import('./host-sessions.mjs').HostSessions} [deps.sessions]
 * @param {(message: string) => void} [deps.warn]
 */
export function createApp({ config, client, sessions = createHostSessions(), warn = (m) => console.warn(m) }) {
  const cookies = createHostCookies(config.publicUrl);
  /** @type {HostContext} */
  const ctx = {
    config,
    client,
    sessions,
    cookies,
    warn,
    currentUser: createCurrentUserCheck({ client, sessions, cookies, warn, checkEveryPage: config.checkEveryPage ?? false }),
    startSignIn: createStartSignIn({ client, sessions, cookies }),
  };
  const page = { serviceUrl: config.serviceUrl, boxClientId: config.boxClientId, user: null };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(securityHeaders(config.serviceUrl));
  app.get('/page.css', (_req, res) => res.sendFile(pageCss, { maxAge: 0 }));
  app.get('/account-switch.js', (_req, res) => res.type('text/javascript').sendFile(accountSwitchJs, { maxAge: 0 }));
  app.get('/favicon.ico', (_req, res) => void res.status(204).end());
  app.use(pageRoutes(ctx));
  app.use(signInRoutes(ctx));
  app.use(signOutRoutes(ctx));
  app.use(backChannelLogoutRoutes(ctx));
  app.use((_req, res) => sendPage(res, 404, errorPage('Not found', 'There is no page at this address.', page)));

  /** @type {import('express').ErrorRequestHandler} */
  const onError = (err, _req, res, _next) => {
    warn(`request failed: ${err instanceof Error ? err.name : 'unknown error'}`);
    if (res.headersSent) return;
    sendPage(res, 500, errorPage('Something went wrong', 'Please try again.', page));
  };
  app.use(onError);

  return { app, sessions };
}
