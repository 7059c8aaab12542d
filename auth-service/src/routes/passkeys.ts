import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { AppError } from '../errors.js';
import type { AppRegistry } from '../services/apps.js';
import type { Passkeys } from '../services/passkeys.js';
import type { BrowserAccounts } from '../services/browser-accounts.js';
import type { SessionService, SessionView } from '../services/sessions.js';
import type { UserRecord } from '../store/users-repository.js';
import { accountHandle, enterApi } from './api.js';
import { createAfterSignIn } from './after-sign-in.js';
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
const signInSchema = z.strictObject({
  response: authenticationResponse,
  returnTo: z.string().max(2048).optional(),
  timeZone: z.string().max(64).optional(),
  /** "Add another account": keep the browser's accounts and add this one after them. */
  add: z.boolean().optional(),
});

/**
 * The WebAuthn ceremonies, as JSON for the service's own pages (`/assets/passkeys.js`): options, then the
 * browser's answer. The challenge is bound to the browser by a short-lived HttpOnly cookie.
 *
 * - `POST /api/passkeys/registration/options?account=<handle>` (signed in) → creation options
 * - `POST /api/passkeys/registration?account=<handle>` `{name, response}` → 201 `{passkey}`
 * - `POST /api/passkeys/sign-in/options` → request options (discoverable credentials: no email)
 * - `POST /api/passkeys/sign-in` `{response, returnTo?, timeZone?, add?}` → the `/api/me` body and `redirectTo`, and
 *   the session cookie with the account taken into the browser's accounts as a password sign-in would be
 */
export function passkeyRoutes(deps: {
  sessions: SessionService;
  accounts: BrowserAccounts;
  /** The service's public origin: where `/authorize` is (see after-sign-in.ts). */
  issuer: string;
  passkeys: Passkeys;
  registry: AppRegistry;
  cookie: SessionCookie;
  deviceCookie: DeviceCookie;
  challengeCookie: PendingCookie;
  authLimit: RequestHandler;
}): Router {
  const { sessions, accounts, passkeys, registry, cookie, deviceCookie, challengeCookie, authLimit } = deps;
  const afterSignIn = createAfterSignIn(deps.issuer);
  const router = Router();
  router.use(enterApi);

  /** The account `?account=` names (else the browser's default one), as every API route that needs a session. */
  async function requireUser(req: Request): Promise<{ me: SessionView; user: UserRecord }> {
    const me = accounts.pick(await accounts.read(cookie.read(req)), accountHandle(req))?.view;
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
    const { response, returnTo, timeZone, add } = parseInput(signInSchema, req.body);
    const token = challengeCookie.read(req);
    challengeCookie.clear(res);
    const held = await accounts.read(cookie.read(req));
    const meta = { userAgent: req.get('user-agent') ?? '', ip: req.ip ?? '', deviceTokens: deviceCookie.read(req), timeZone };
    const signedIn = await sessions.signInWithPasskey(token, response as AuthenticationResponseJSON, meta, held);
    const admitted = accounts.admit(held, signedIn, add === true);
    cookie.set(res, admitted.accounts);
    deviceCookie.remember(req, res, signedIn.device);
    res.json({ ...accounts.me(admitted.accounts, admitted.account), redirectTo: afterSignIn(registry.safeReturnTo(returnTo), admitted.account) });
  });

  return router;
}
