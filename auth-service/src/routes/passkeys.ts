import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { AppError } from '../errors.js';
import type { AppRegistry } from '../services/apps.js';
import type { Passkeys } from '../services/passkeys.js';
import type { SessionService, SessionView } from '../services/sessions.js';
import type { UserRecord } from '../store/users-repository.js';
import { enterApi } from './api.js';
import type { DeviceCookie, PendingCookie, SessionCookie } from './session-cookie.js';
import { parseInput } from './validate.js';

const base64url = z.string().max(4096).regex(/^[A-Za-z0-9_-]*$/);
/** The JSON SimpleWebAuthn's browser half posts; its inner fields are checked again by the verifier. */
const credentialBase = {
  id: base64url.min(1).max(1024),
  rawId: base64url.min(1).max(1024),
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
};
const registrationResponse = z.object({
  ...credentialBase,
  response: z.object({
    clientDataJSON: base64url,
    attestationObject: base64url.max(16384),
    transports: z.array(z.string().max(32)).max(10).optional(),
    authenticatorData: base64url.max(16384).optional(),
    publicKey: base64url.optional(),
    publicKeyAlgorithm: z.number().int().optional(),
  }),
});
const authenticationResponse = z.object({
  ...credentialBase,
  response: z.object({
    clientDataJSON: base64url,
    authenticatorData: base64url,
    signature: base64url,
    userHandle: base64url.max(128).optional(),
  }),
});
export const passkeyNameSchema = z.string().trim().min(1, 'Give the passkey a name.').max(60, 'A passkey name has at most 60 characters.');
const registerSchema = z.strictObject({ name: passkeyNameSchema, response: registrationResponse });
const signInSchema = z.strictObject({ response: authenticationResponse, returnTo: z.string().max(2048).optional(), timeZone: z.string().max(64).optional() });

/**
 * The WebAuthn ceremonies, as JSON for the service's own pages (`/assets/passkeys.js`): options, then the
 * browser's answer. The challenge is bound to the browser by a short-lived HttpOnly cookie.
 *
 * - `POST /api/passkeys/registration/options` (signed in) → creation options
 * - `POST /api/passkeys/registration` `{name, response}` → 201 `{passkey}`
 * - `POST /api/passkeys/sign-in/options` → request options (discoverable credentials: no email)
 * - `POST /api/passkeys/sign-in` `{response, returnTo?, timeZone?}` → `{user, session, redirectTo}` and the session cookie
 */
export function passkeyRoutes(deps: {
  sessions: SessionService;
  passkeys: Passkeys;
  registry: AppRegistry;
  cookie: SessionCookie;
  deviceCookie: DeviceCookie;
  challengeCookie: PendingCookie;
  authLimit: RequestHandler;
}): Router {
  const { sessions, passkeys, registry, cookie, deviceCookie, challengeCookie, authLimit } = deps;
  const router = Router();
  router.use(enterApi);

  async function requireUser(req: Request): Promise<{ me: SessionView; user: UserRecord }> {
    const me = await sessions.authenticate(cookie.read(req));
    const live = me ? await sessions.live(me.session.id) : null;
    if (!me || !live) throw new AppError('UNAUTHENTICATED');
    return { me, user: live.user };
  }

  router.post('/registration/options', authLimit, async (req, res) => {
    const { user } = await requireUser(req);
    const issued = await passkeys.registrationOptions(user);
    challengeCookie.set(res, issued.token, issued.expiresAt);
    res.json(issued.options);
  });

  router.post('/registration', authLimit, async (req, res) => {
    const { user } = await requireUser(req);
    const { name, response } = parseInput(registerSchema, req.body);
    const token = challengeCookie.read(req);
    challengeCookie.clear(res);
    const passkey = await passkeys.register(user, token, response as RegistrationResponseJSON, name);
    res.status(201).json({ passkey });
  });

  router.post('/sign-in/options', authLimit, async (_req, res) => {
    const issued = await passkeys.signInOptions();
    challengeCookie.set(res, issued.token, issued.expiresAt);
    res.json(issued.options);
  });

  router.post('/sign-in', authLimit, async (req, res) => {
    const { response, returnTo, timeZone } = parseInput(signInSchema, req.body);
    const token = challengeCookie.read(req);
    challengeCookie.clear(res);
    const signedIn = await sessions.signInWithPasskey(token, response as AuthenticationResponseJSON, {
      userAgent: req.get('user-agent') ?? '',
      ip: req.ip ?? '',
      deviceTokens: deviceCookie.read(req),
      timeZone,
    });
    cookie.set(res, signedIn.token, signedIn.expiresAt);
    deviceCookie.remember(req, res, signedIn.device);
    res.json({ user: signedIn.user, session: signedIn.session, redirectTo: registry.safeReturnTo(returnTo) });
  });

  return router;
}
