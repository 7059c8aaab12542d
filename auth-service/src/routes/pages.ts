import { Router, urlencoded, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '../errors.js';
import { markRouteBase } from '../middleware/request-log.js';
import type { AppRegistry } from '../services/apps.js';
import type { SessionCookies, SessionService, SessionView } from '../services/sessions.js';
import { emailSchema, nameSchema, normalizeEmail, pictureSchema, type UserService } from '../services/users.js';
import { accountPage, loginPage, signupPage } from '../views/pages.js';
import type { FormTokens } from './form-token.js';
import type { DeviceCookie, SessionCookie } from './session-cookie.js';

function field(body: unknown, name: string, max: number): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, max) : '';
}

/** The message of an AppError a form should show, or rethrow anything else. */
function formError(err: unknown): AppError {
  if (err instanceof AppError && err.status < 500 && err.code !== 'INVALID_FORM_TOKEN' && err.code !== 'FORBIDDEN_ORIGIN') {
    return err;
  }
  throw err;
}

/** The service's own HTML pages. Forms post back here (with a CSRF token) and redirect with 303. */
export function pageRoutes(deps: {
  sessions: SessionService;
  users: UserService;
  registry: AppRegistry;
  cookie: SessionCookie;
  deviceCookie: DeviceCookie;
  formTokens: FormTokens;
  authLimit: RequestHandler;
}): Router {
  const { sessions, users, registry, cookie, deviceCookie, formTokens, authLimit } = deps;
  const router = Router();
  router.use(markRouteBase);
  router.use(urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));
  router.use((req, res, next) => {
    res.set('Cache-Control', 'no-store');
    if (req.method === 'POST') formTokens.verify(req);
    next();
  });

  const meta = (req: Request) => ({
    userAgent: req.get('user-agent') ?? '',
    ip: req.ip ?? '',
    deviceTokens: deviceCookie.read(req),
    // Filled in by /assets/time-zone.js; without script the session simply has no place.
    timeZone: field(req.body, 'time_zone', 64),
  });
  const setSessionCookies = (req: Request, res: Response, cookies: SessionCookies) => {
    cookie.set(res, cookies.token, cookies.expiresAt);
    deviceCookie.remember(req, res, cookies.device);
  };
  const html = (res: Response, status: number, body: string) => res.status(status).type('html').send(body);

  async function requirePageSession(req: Request, res: Response): Promise<SessionView | undefined> {
    const me = await sessions.authenticate(cookie.read(req));
    if (!me) res.redirect(303, `/login?return_to=${encodeURIComponent(registry.safeReturnTo(undefined))}`);
    return me ?? undefined;
  }

  router.get('/', (_req, res) => res.redirect(303, '/account'));

  router.get('/login', (req, res) => {
    html(res, 200, loginPage({ returnTo: registry.safeReturnTo(req.query['return_to']), csrf: formTokens.issue(req, res) }));
  });

  router.post('/login', authLimit, async (req, res) => {
    const returnTo = registry.safeReturnTo(field(req.body, 'return_to', 2048));
    const email = normalizeEmail(field(req.body, 'email', 254));
    try {
      setSessionCookies(req, res, await sessions.signIn(email, field(req.body, 'password', 1024), meta(req)));
      res.redirect(303, returnTo);
    } catch (err) {
      const e = formError(err);
      res.set(e.headers);
      html(res, e.status, loginPage({ returnTo, email, error: e.message, csrf: formTokens.issue(req, res) }));
    }
  });

  router.get('/signup', (req, res) => {
    html(res, 200, signupPage({ returnTo: registry.safeReturnTo(req.query['return_to']), csrf: formTokens.issue(req, res) }));
  });

  router.post('/signup', authLimit, async (req, res) => {
    const returnTo = registry.safeReturnTo(field(req.body, 'return_to', 2048));
    const raw = { name: field(req.body, 'name', 200), email: field(req.body, 'email', 300) };
    const password = field(req.body, 'password', 1024);
    try {
      const name = nameSchema.safeParse(raw.name);
      if (!name.success) throw new AppError('VALIDATION_FAILED', name.error.issues[0]?.message);
      const email = emailSchema.safeParse(raw.email);
      if (!email.success) throw new AppError('VALIDATION_FAILED', email.error.issues[0]?.message);
      await users.create({ name: name.data, email: email.data, password });
      setSessionCookies(req, res, await sessions.signIn(email.data, password, meta(req)));
      res.redirect(303, returnTo);
    } catch (err) {
      const e = formError(err);
      html(res, e.status, signupPage({ returnTo, ...raw, error: e.message, csrf: formTokens.issue(req, res) }));
    }
  });

  router.post('/logout', async (req, res) => {
    await sessions.signOut(cookie.read(req));
    cookie.clear(res);
    res.redirect(303, registry.safeReturnTo(field(req.body, 'return_to', 2048), '/login'));
  });

  async function renderAccount(req: Request, res: Response, me: SessionView, status = 200, error?: { form: 'profile' | 'password'; message: string }) {
    const done = typeof req.query['done'] === 'string' ? req.query['done'] : undefined;
    const list = await sessions.list(me.user.id, me.session.id);
    html(res, status, accountPage({ me, sessions: list, csrf: formTokens.issue(req, res), ...(done ? { done } : {}), ...(error ? { error } : {}) }));
  }

  router.get('/account', async (req, res) => {
    const me = await requirePageSession(req, res);
    if (me) await renderAccount(req, res, me);
  });

  router.post('/account/profile', async (req, res) => {
    const me = await requirePageSession(req, res);
    if (!me) return;
    try {
      const name = nameSchema.safeParse(field(req.body, 'name', 200));
      if (!name.success) throw new AppError('VALIDATION_FAILED', name.error.issues[0]?.message);
      const rawPicture = field(req.body, 'picture', 4096).trim();
      const picture = pictureSchema.safeParse(rawPicture === '' ? null : rawPicture);
      if (!picture.success) throw new AppError('VALIDATION_FAILED', picture.error.issues[0]?.message);
      await users.updateProfile(me.user.id, { name: name.data, picture: picture.data });
      res.redirect(303, '/account?done=profile');
    } catch (err) {
      await renderAccount(req, res, me, formError(err).status, { form: 'profile', message: (err as AppError).message });
    }
  });

  router.post('/account/password', authLimit, async (req, res) => {
    const me = await requirePageSession(req, res);
    if (!me) return;
    try {
      const current = field(req.body, 'current_password', 1024);
      setSessionCookies(req, res, await sessions.changePassword(me, current, field(req.body, 'new_password', 1024), meta(req)));
      res.redirect(303, '/account?done=password');
    } catch (err) {
      const e = formError(err);
      res.set(e.headers);
      await renderAccount(req, res, me, e.status, { form: 'password', message: e.message });
    }
  });

  router.post('/account/sessions/revoke-all', async (req, res) => {
    const me = await requirePageSession(req, res);
    if (!me) return;
    await sessions.revokeAll(me.user.id);
    cookie.clear(res);
    res.redirect(303, '/login');
  });

  router.post('/account/sessions/:id/revoke', async (req, res) => {
    const me = await requirePageSession(req, res);
    if (!me) return;
    const id = String(req.params['id']).slice(0, 64);
    await sessions.revoke(me.user.id, id);
    if (id === me.session.id) {
      cookie.clear(res);
      res.redirect(303, '/login');
      return;
    }
    res.redirect(303, '/account?done=session');
  });

  return router;
}
