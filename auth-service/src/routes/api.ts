import { Router, json, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { markRouteBase } from '../middleware/request-log.js';
import type { AppRegistry } from '../services/apps.js';
import type { Admitted, BrowserAccounts, BrowserSession } from '../services/browser-accounts.js';
import { needsSecondStep, type SessionService, type SessionView } from '../services/sessions.js';
import {
  emailSchema,
  nameSchema,
  newPasswordSchema,
  normalizeEmail,
  pictureSchema,
  type UserService,
} from '../services/users.js';
import type { DeviceCookie, PendingCookie, SessionCookie } from './session-cookie.js';
import { requestLocale } from '../views/language.js';
import type { EmailVerification } from '../services/email-verification.js';
import type { PasswordReset } from '../services/password-reset.js';
import type { AccountData } from '../services/account-data.js';
import { parseInput } from './validate.js';

const credentialsSchema = z.strictObject({
  email: z.string().max(254).transform(normalizeEmail),
  password: z.string().max(1024),
  /** The browser's IANA time zone: where the session began, on the account page. */
  timeZone: z.string().max(64).optional(),
  /** "Add another account": keep the browser's accounts and add this one after them. */
  add: z.boolean().optional(),
});

const secondStepSchema = z.strictObject({
  /** A 6-digit code from the authenticator app, or a recovery code. */
  code: z.string().max(64),
  timeZone: z.string().max(64).optional(),
  /** "Add another account", as in the sign-in it completes. */
  add: z.boolean().optional(),
});
const signUpSchema = z.strictObject({ email: emailSchema, name: nameSchema, password: newPasswordSchema });
const profileSchema = z.strictObject({ name: nameSchema.optional(), picture: pictureSchema.optional() });
const passwordChangeSchema = z.strictObject({ currentPassword: z.string().max(1024), newPassword: newPasswordSchema });
const sessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** `?account=<handle>`: which of the browser's accounts a request is about (absent: the default one). */
const accountQuery = z.object({ account: sessionIdSchema.optional() });

/** The `?account=` handle of a request; 400 for a malformed or repeated one. */
export function accountHandle(req: Request): string | undefined {
  const { account } = req.query;
  return account === undefined ? undefined : parseInput(accountQuery, { account }).account;
}
const linkSchema = z.strictObject({ token: z.string().max(128) });
const resetRequestSchema = z.strictObject({ email: z.string().max(254).transform(normalizeEmail) });
const resetSchema = z.strictObject({ token: z.string().max(128), newPassword: newPasswordSchema });
const deleteAccountSchema = z.strictObject({ password: z.string().max(1024) });
const emailChangeSchema = z.strictObject({ password: z.string().max(1024), newEmail: emailSchema });

/** Bodies must be JSON (415 otherwise) and small (413). */
const jsonOnly: RequestHandler = (req, _res, next) => {
  if (req.method !== 'GET' && req.method !== 'DELETE' && !req.is('application/json')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE');
  }
  next();
};

export interface ApiDependencies {
  sessions: SessionService;
  accounts: BrowserAccounts;
  users: UserService;
  verification: EmailVerification;
  passwordReset: PasswordReset;
  accountData: AccountData;
  registry: AppRegistry;
  cookie: SessionCookie;
  deviceCookie: DeviceCookie;
  /** Holds a sign-in waiting for its second step (see POST /api/session). */
  secondStepCookie: PendingCookie;
  authLimit: RequestHandler;
  /** Access tokens from the OIDC provider (token mode: cross-site pages without the cookie). */
  bearer?: { sessionView(authorization: string, origin?: string): Promise<SessionView | null> };
}

const parseJson = json({ limit: '16kb', strict: true });

/** How long a browser may reuse `GET /api/apps` (the launcher's list) without asking again. */
const appsMaxAgeSeconds = 300;

/** The first step of every API route: no caching, the route base for the log line, small JSON bodies only. */
export const enterApi: RequestHandler = (req, res, next) => {
  markRouteBase(req, res, () => undefined);
  res.setHeader('Cache-Control', 'no-store');
  // GET and HEAD carry no body: skipping the parser spares the hottest route a stream read.
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  jsonOnly(req, res, () => parseJson(req, res, next));
};

/**
 * `GET /api/me`, asked on every page view of every app. app.ts mounts it as a route of the app itself (after
 * CORS and `enterApi`), ahead of the API router: entering a second router costs more than the rest of the route.
 */
export function meRoute(deps: Pick<ApiDependencies, 'accounts' | 'cookie' | 'bearer'>): RequestHandler {
  const { accounts, cookie } = deps;
  return async (req, res) => {
    const authorization = req.get('authorization');
    if (authorization !== undefined && deps.bearer) {
      // Token mode answers the same body as the cookie; a bad token is an error, not "signed out". A token
      // carries one account, so `accounts` holds just that one.
      const me = await deps.bearer.sessionView(authorization, req.headers.origin);
      if (!me) throw new AppError('UNAUTHENTICATED', 'The access token is invalid or expired.', { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });
      res.json(accounts.single(me));
      return;
    }
    const handle = req.query['account'] === undefined ? undefined : accountHandle(req);
    const me = await accounts.lookup(cookie.read(req), handle);
    res.json(me ?? { user: null });
  };
}

/** Every other `/api` route; mount it after `meRoute`, behind CORS and the CSRF check. */
export function apiRoutes(deps: ApiDependencies): Router {
  const { sessions, accounts, users, verification, passwordReset, accountData, registry, cookie, deviceCookie, secondStepCookie, authLimit } = deps;
  const router = Router();
  router.use(enterApi);

  /** The browser's accounts and the one the request is about (`?account=`, else the default); 401 when none. */
  async function requireSession(req: Request): Promise<{ held: BrowserSession[]; current: BrowserSession; me: SessionView }> {
    const held = await accounts.read(cookie.read(req));
    const current = accounts.pick(held, accountHandle(req));
    if (!current) throw new AppError('UNAUTHENTICATED');
    return { held, current, me: current.view };
  }

  // GET /me is `meRoute` above, which app.ts mounts ahead of this router.

  router.patch('/me', async (req, res) => {
    const { me } = await requireSession(req);
    const changes = parseInput(profileSchema, req.body);
    await users.updateProfile(me.user.id, changes);
    cookie.changed(res);
    // Read again: the profile change dropped the cached sessions, and the list shows the new name too.
    const body = await accounts.lookup(cookie.read(req), me.session.id);
    if (!body) throw new AppError('UNAUTHENTICATED');
    res.json(body);
  });

  router.post('/me/password', authLimit, async (req, res) => {
    const { held, current, me } = await requireSession(req);
    const { currentPassword, newPassword } = parseInput(passwordChangeSchema, req.body);
    const changed = await sessions.changePassword(me, currentPassword, newPassword, { ip: req.ip ?? '', deviceTokens: deviceCookie.read(req) });
    cookie.set(res, held.map((a) => (a === current ? { token: changed.token, expiresAt: changed.expiresAt } : a)));
    deviceCookie.remember(req, res, changed.device);
    res.status(204).end();
  });

  // Everything the service holds about the signed-in user, as a JSON download.
  // For the user (the account page's link), not for the apps that may read /api/me with CORS: the export lists
  // every session's address and every app used, which no app needs.
  router.get('/me/export', async (req, res) => {
    if (registry.isAppOrigin(req.headers.origin)) throw new AppError('FORBIDDEN_ORIGIN', 'Only the account page may download your data.');
    const { me } = await requireSession(req);
    res.set('Content-Disposition', 'attachment; filename="userbox-account.json"');
    res.json(await accountData.exportFor(me.user.id, me.session.id));
  });

  // Leaving: needs the password; the account leaves the cookie (the browser's other accounts stay) and the sync
  // cookie is renewed, so every tab's box updates.
  router.delete('/me', authLimit, async (req, res) => {
    const { held, me } = await requireSession(req);
    const { password } = parseInput(deleteAccountSchema, req.body ?? {});
    await accountData.deleteAccount(me.user.id, password, { ip: req.ip ?? '', deviceTokens: deviceCookie.read(req) }, requestLocale(req));
    cookie.set(res, held.filter((a) => a.view.user.id !== me.user.id));
    res.status(204).end();
  });

  // Another verification mail for the signed-in account (limited per address and IP: 429). Mails from /api go out
  // in the language of `?lang=` (the box passes its own) or Accept-Language.
  router.post('/me/email/verification', async (req, res) => {
    const { me } = await requireSession(req);
    await verification.resend(me.user.id, req.ip ?? '', requestLocale(req));
    res.status(204).end();
  });

  // A new address: needs the password; a link goes to the new address, a notice to the old; nothing changes yet.
  router.post('/me/email', authLimit, async (req, res) => {
    const { me } = await requireSession(req);
    const { password, newEmail } = parseInput(emailChangeSchema, req.body);
    const user = await sessions.confirmPassword(me.user.id, password, { ip: req.ip ?? '', deviceTokens: deviceCookie.read(req) });
    await verification.requestChange(user, newEmail, req.ip ?? '', requestLocale(req));
    res.status(202).json({ pendingEmail: newEmail });
  });

  // Following a verification or email-change link from a client of the API (the page is GET /verify-email).
  router.post('/email/verify', async (req, res) => {
    const { token } = parseInput(linkSchema, req.body);
    const held = await accounts.read(cookie.read(req));
    const verified = await verification.verify(token, held.map((a) => a.view.user.id));
    res.json({ email: verified.email, emailVerified: true });
  });

  // "Forgot password?": the same 202 whether the address has an account or not.
  router.post('/password-reset', authLimit, async (req, res) => {
    const { email } = parseInput(resetRequestSchema, req.body);
    await passwordReset.request(email, req.ip ?? '', requestLocale(req));
    res.status(202).json({ status: 'sent-if-registered' });
  });

  router.post('/password-reset/confirm', authLimit, async (req, res) => {
    const { token, newPassword } = parseInput(resetSchema, req.body);
    await passwordReset.complete(token, newPassword, requestLocale(req));
    res.status(204).end();
  });

  router.get('/sessions', async (req, res) => {
    const { me } = await requireSession(req);
    res.json({ sessions: await sessions.list(me.user.id, me.session.id) });
  });

  router.delete('/sessions/:id', async (req, res) => {
    const { held, me } = await requireSession(req);
    const id = parseInput(sessionIdSchema, req.params['id']);
    await sessions.revoke(me.user.id, id);
    if (held.some((a) => a.view.session.id === id)) cookie.set(res, held.filter((a) => a.view.session.id !== id));
    res.status(204).end();
  });

  // "Sign out of all devices" also from a box in token mode (another site, no cookie): a bearer token is not
  // ambient authority, so it cannot be forged cross-site, and the route takes nothing but the token's user. It
  // ends one user's sessions everywhere; the browser's other accounts stay.
  router.delete('/sessions', async (req, res) => {
    const authorization = req.get('authorization');
    const held = await accounts.read(cookie.read(req));
    const me =
      authorization !== undefined && deps.bearer
        ? await deps.bearer.sessionView(authorization, req.headers.origin)
        : accounts.pick(held, accountHandle(req))?.view;
    if (!me) throw new AppError('UNAUTHENTICATED');
    await sessions.revokeAll(me.user.id);
    cookie.set(res, held.filter((a) => a.view.user.id !== me.user.id));
    res.status(204).end();
  });

  const signInMeta = (req: Request, timeZone: string | undefined) => ({
    userAgent: req.get('user-agent') ?? '',
    ip: req.ip ?? '',
    deviceTokens: deviceCookie.read(req),
    timeZone,
  });
  const answerSignedIn = (req: Request, res: Response, admitted: Admitted) => {
    cookie.set(res, admitted.accounts);
    deviceCookie.remember(req, res, admitted.signedIn.device);
    res.json(accounts.me(admitted.accounts, admitted.account));
  };

  // With two-step verification on, a right password answers 401 SECOND_FACTOR_REQUIRED and a short-lived cookie
  // that holds the pending sign-in; POST /session/second-step with the code then opens the session.
  router.post('/session', authLimit, async (req, res) => {
    const { email, password, timeZone, add } = parseInput(credentialsSchema, req.body);
    const held = await accounts.read(cookie.read(req));
    const result = await accounts.signIn(held, email, password, signInMeta(req, timeZone), add === true);
    if (needsSecondStep(result)) {
      secondStepCookie.set(res, result.secondStep.token, result.secondStep.expiresAt);
      throw new AppError('SECOND_FACTOR_REQUIRED');
    }
    answerSignedIn(req, res, result);
  });

  router.post('/session/second-step', authLimit, async (req, res) => {
    const { code, timeZone, add } = parseInput(secondStepSchema, req.body);
    try {
      const held = await accounts.read(cookie.read(req));
      const signedIn = await sessions.completeSecondStep(secondStepCookie.read(req), code, signInMeta(req, timeZone), held);
      secondStepCookie.clear(res);
      answerSignedIn(req, res, accounts.admit(held, signedIn, add === true));
    } catch (err) {
      if (err instanceof AppError && err.code === 'SECOND_STEP_EXPIRED') secondStepCookie.clear(res);
      throw err;
    }
  });

  // One account (`?account=`), or every account of this browser ("Sign out of all accounts").
  router.delete('/session', async (req, res) => {
    const handle = accountHandle(req);
    const held = await accounts.read(cookie.read(req));
    const left = await accounts.signOut(held, handle);
    if (handle === undefined || left.length < held.length) cookie.set(res, left);
    res.status(204).end();
  });

  router.post('/users', authLimit, async (req, res) => {
    const input = parseInput(signUpSchema, req.body);
    const user = await users.create({ ...input, locale: requestLocale(req) });
    res.status(201).json({ user });
  });

  router.get('/apps', (_req, res) => {
    // The same for everyone and seldom changed: the browser may keep it (a new tab, the next launcher opening),
    // so a registry change reaches open launchers within this long. CORS's `Vary: Origin` keeps it per app.
    res.setHeader('Cache-Control', `public, max-age=${appsMaxAgeSeconds}`);
    res.json({ apps: registry.launcherEntries() });
  });

  return router;
}
