import { Router, urlencoded } from 'express';
import { AppError } from '../errors.js';
import type { AppRegistry } from '../services/apps.js';
import type { SessionService } from '../services/sessions.js';
import { normalizeEmail } from '../services/users.js';
import { accountPage, loginPage } from '../views/pages.js';
import type { SessionCookie } from './session-cookie.js';

function field(body: unknown, name: string, max: number): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, max) : '';
}

/** The service's own HTML pages: login, account, logout. Forms post back here and redirect with 303. */
export function pageRoutes(deps: { sessions: SessionService; registry: AppRegistry; cookie: SessionCookie }): Router {
  const { sessions, registry, cookie } = deps;
  const router = Router();
  router.use(urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  router.get('/', (_req, res) => res.redirect(303, '/account'));

  router.get('/login', (req, res) => {
    res.type('html').send(loginPage({ returnTo: registry.safeReturnTo(req.query['return_to']) }));
  });

  router.post('/login', async (req, res) => {
    const returnTo = registry.safeReturnTo(field(req.body, 'return_to', 2048));
    const email = normalizeEmail(field(req.body, 'email', 254));
    const password = field(req.body, 'password', 1024);
    try {
      const signedIn = await sessions.signIn(email, password, { userAgent: req.get('user-agent') ?? '', ip: req.ip ?? '' });
      cookie.set(res, signedIn.token, signedIn.expiresAt);
      res.redirect(303, returnTo);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'INVALID_CREDENTIALS') throw err;
      res.status(401).type('html').send(loginPage({ returnTo, email, error: err.message }));
    }
  });

  router.post('/logout', async (req, res) => {
    await sessions.signOut(cookie.read(req));
    cookie.clear(res);
    res.redirect(303, registry.safeReturnTo(field(req.body, 'return_to', 2048), '/login'));
  });

  router.get('/account', async (req, res) => {
    const me = await sessions.authenticate(cookie.read(req));
    if (!me) {
      res.redirect(303, `/login?return_to=${encodeURIComponent(registry.safeReturnTo(undefined))}`);
      return;
    }
    res.type('html').send(accountPage(me));
  });

  return router;
}
