import { Router, json, type RequestHandler } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { AppRegistry } from '../services/apps.js';
import type { SessionService } from '../services/sessions.js';
import { emailSchema, nameSchema, newPasswordSchema, normalizeEmail, type UserService } from '../services/users.js';
import type { SessionCookie } from './session-cookie.js';
import { parseInput } from './validate.js';

const credentialsSchema = z.strictObject({
  email: z.string().max(254).transform(normalizeEmail),
  password: z.string().max(1024),
});

const signUpSchema = z.strictObject({ email: emailSchema, name: nameSchema, password: newPasswordSchema });

/** Bodies must be JSON (415 otherwise) and small (413). */
const jsonOnly: RequestHandler = (req, _res, next) => {
  if (req.method !== 'GET' && req.method !== 'DELETE' && !req.is('application/json')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE');
  }
  next();
};

export function apiRoutes(deps: {
  sessions: SessionService;
  users: UserService;
  registry: AppRegistry;
  cookie: SessionCookie;
}): Router {
  const { sessions, users, registry, cookie } = deps;
  const router = Router();
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(jsonOnly, json({ limit: '16kb', strict: true }));

  router.get('/me', async (req, res) => {
    const me = await sessions.authenticate(cookie.read(req));
    res.json(me ?? { user: null });
  });

  router.post('/session', async (req, res) => {
    const { email, password } = parseInput(credentialsSchema, req.body);
    const signedIn = await sessions.signIn(email, password, { userAgent: req.get('user-agent') ?? '', ip: req.ip ?? '' });
    cookie.set(res, signedIn.token, signedIn.expiresAt);
    res.json({ user: signedIn.user, session: signedIn.session });
  });

  router.delete('/session', async (req, res) => {
    await sessions.signOut(cookie.read(req));
    cookie.clear(res);
    res.status(204).end();
  });

  router.post('/users', async (req, res) => {
    const input = parseInput(signUpSchema, req.body);
    const user = await users.create(input);
    res.status(201).json({ user });
  });

  router.get('/apps', (_req, res) => {
    res.json({ apps: registry.list().map(({ id, name, url, icon }) => ({ id, name, url, icon })) });
  });

  return router;
}
