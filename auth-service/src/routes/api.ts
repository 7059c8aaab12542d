import { Router, json, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { markRouteBase } from '../middleware/request-log.js';
import type { AppRegistry } from '../services/apps.js';
import { needsSecondStep, type SessionService, type SessionView, type SignedIn } from '../services/sessions.js';
import {
  emailSchema,
  nameSchema,
  newPasswordSchema,
  normalizeEmail,
  pictureSchema,
  type UserService,
} from '../services/users.js';
import type { DeviceCookie, PendingCookie, SessionCookie } from './session-cookie.js';
import { parseInput } from './validate.js';

const credentialsSchema = z.strictObject({
  email: z.string().max(254).transform(normalizeEmail),
  password: z.string().max(1024),
  /** The browser's IANA time zone: where the session began, on the account page. */
  timeZone: z.string().max(64).optional(),
});

const secondStepSchema = z.strictObject({
  /** A 6-digit code from the authenticator app, or a recovery code. */
  code: z.string().max(64),
  timeZone: z.string().max(64).optional(),
});
const signUpSchema = z.strictObject({ email: emailSchema, name: nameSchema, password: newPasswordSchema });
const profileSchema = z.strictObject({ name: nameSchema.optional(), picture: pictureSchema.optional() });
const passwordChangeSchema = z.strictObject({ currentPassword: z.string().max(1024), newPassword: newPasswordSchema });
const sessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** Bodies must be JSON (415 otherwise) and small (413). */
const jsonOnly: RequestHandler = (req, _res, next) => {
  if (req.method !== 'GET' && req.method !== 'DELETE' && !req.is('application/json')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE');
  }
  next();
};

export interface ApiDependencies {
  sessions: SessionService;
  users: UserService;
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
export function meRoute(deps: Pick<ApiDependencies, 'sessions' | 'cookie' | 'bearer'>): RequestHandler {
  const { sessions, cookie } = deps;
  return async (req, res) => {
    const authorization = req.get('authorization');
    if (authorization !== undefined && deps.bearer) {
      // Token mode answers the same body as the cookie; a bad token is an error, not "signed out".
      const me = await deps.bearer.sessionView(authorization, req.headers.origin);
      if (!me) throw new AppError('UNAUTHENTICATED', 'The access token is invalid or expired.', { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });
      res.json(me);
      return;
    }
    const me = await sessions.authenticate(cookie.read(req));
    res.json(me ?? { user: null });
  };
}

/** Every other `/api` route; mount it after `meRoute`, behind CORS and the CSRF check. */
export function apiRoutes(deps: ApiDependencies): Router {
  const { sessions, users, registry, cookie, deviceCookie, secondStepCookie, authLimit } = deps;
  const router = Router();
  router.use(enterApi);

  async function requireSession(req: Request): Promise<SessionView> {
    const me = await sessions.authenticate(cookie.read(req));
    if (!me) throw new AppError('UNAUTHENTICATED');
    return me;
  }

  // GET /me is `meRoute` above, which app.ts mounts ahead of this router.

  router.patch('/me', async (req, res) => {
    const me = await requireSession(req);
    const changes = parseInput(profileSchema, req.body);
    const user = await users.updateProfile(me.user.id, changes);
    res.json({ user, session: me.session });
  });

  router.post('/me/password', authLimit, async (req, res) => {
    const me = await requireSession(req);
    const { currentPassword, newPassword } = parseInput(passwordChangeSchema, req.body);
    const changed = await sessions.changePassword(me, currentPassword, newPassword, { ip: req.ip ?? '', deviceTokens: deviceCookie.read(req) });
    cookie.set(res, changed.token, changed.expiresAt);
    deviceCookie.remember(req, res, changed.device);
    res.status(204).end();
  });

  router.get('/sessions', async (req, res) => {
    const me = await requireSession(req);
    res.json({ sessions: await sessions.list(me.user.id, me.session.id) });
  });

  router.delete('/sessions/:id', async (req, res) => {
    const me = await requireSession(req);
    const id = parseInput(sessionIdSchema, req.params['id']);
    await sessions.revoke(me.user.id, id);
    if (id === me.session.id) cookie.clear(res);
    res.status(204).end();
  });

  // "Sign out of all devices" also from a box in token mode (another site, no cookie): a bearer token is not
  // ambient authority, so it cannot be forged cross-site, and the route takes nothing but the token's user.
  router.delete('/sessions', async (req, res) => {
    const authorization = req.get('authorization');
    const me =
      authorization !== undefined && deps.bearer
        ? await deps.bearer.sessionView(authorization, req.headers.origin)
        : await sessions.authenticate(cookie.read(req));
    if (!me) throw new AppError('UNAUTHENTICATED');
    await sessions.revokeAll(me.user.id);
    cookie.clear(res);
    res.status(204).end();
  });

  const signInMeta = (req: Request, timeZone: string | undefined) => ({
    userAgent: req.get('user-agent') ?? '',
    ip: req.ip ?? '',
    deviceTokens: deviceCookie.read(req),
    timeZone,
  });
  const answerSignedIn = (req: Request, res: Response, signedIn: SignedIn) => {
    cookie.set(res, signedIn.token, signedIn.expiresAt);
    deviceCookie.remember(req, res, signedIn.device);
    res.json({ user: signedIn.user, session: signedIn.session });
  };

  // With two-step verification on, a right password answers 401 SECOND_FACTOR_REQUIRED and a short-lived cookie
  // that holds the pending sign-in; POST /session/second-step with the code then opens the session.
  router.post('/session', authLimit, async (req, res) => {
    const { email, password, timeZone } = parseInput(credentialsSchema, req.body);
    const result = await sessions.signIn(email, password, signInMeta(req, timeZone));
    if (needsSecondStep(result)) {
      secondStepCookie.set(res, result.secondStep.token, result.secondStep.expiresAt);
      throw new AppError('SECOND_FACTOR_REQUIRED');
    }
    answerSignedIn(req, res, result);
  });

  router.post('/session/second-step', authLimit, async (req, res) => {
    const { code, timeZone } = parseInput(secondStepSchema, req.body);
    try {
      const signedIn = await sessions.completeSecondStep(secondStepCookie.read(req), code, signInMeta(req, timeZone));
      secondStepCookie.clear(res);
      answerSignedIn(req, res, signedIn);
    } catch (err) {
      if (err instanceof AppError && err.code === 'SECOND_STEP_EXPIRED') secondStepCookie.clear(res);
      throw err;
    }
  });

  router.delete('/session', async (req, res) => {
    await sessions.signOut(cookie.read(req));
    cookie.clear(res);
    res.status(204).end();
  });

  router.post('/users', authLimit, async (req, res) => {
    const input = parseInput(signUpSchema, req.body);
    const user = await users.create(input);
    res.status(201).json({ user });
  });

  router.get('/apps', (_req, res) => {
    res.json({ apps: registry.launcherEntries() });
  });

  return router;
}
