import { Router, urlencoded, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { markRouteBase } from '../middleware/request-log.js';
import type { AppRegistry } from '../services/apps.js';
import QRCode from 'qrcode';
import { needsSecondStep, type IdentityProof, type SessionCookies, type SessionService, type SessionView, type SignInResult } from '../services/sessions.js';
import type { TwoStep } from '../services/two-step.js';
import type { Passkeys } from '../services/passkeys.js';
import { passkeyNameSchema } from './passkeys.js';
import { emailSchema, nameSchema, normalizeEmail, pictureSchema, type UserService } from '../services/users.js';
import { accountPage, loginPage, recoveryCodesPage, secondStepPage, signupPage, twoStepSetupPage, type AccountForm } from '../views/pages.js';
import type { FormTokens } from './form-token.js';
import type { DeviceCookie, PendingCookie, SessionCookie } from './session-cookie.js';
import { parseInput } from './validate.js';

/** A form field as posted, cut to `max` characters; anything but one string (missing, repeated) is empty. */
const text = (max: number) =>
  z
    .string()
    .catch('')
    .transform((s) => s.slice(0, max));

const returnToForm = z.object({ return_to: text(2048) });
// Filled in by /assets/time-zone.js; without script the session simply has no place.
const signInFields = { return_to: text(2048), time_zone: text(64) };
const loginForm = z.object({ ...signInFields, email: text(254).transform(normalizeEmail), password: text(1024) });
const signupForm = z.object({ ...signInFields, name: text(200), email: text(300), password: text(1024) });
const signupRules = z.object({ name: nameSchema, email: emailSchema });
const profileForm = z.object({
  name: text(200).pipe(nameSchema),
  picture: text(4096)
    .transform((s) => s.trim() || null)
    .pipe(pictureSchema),
});
const secondStepForm = z.object({ ...signInFields, code: text(64) });
const codeForm = z.object({ code: text(64) });
/** Fresh proof for a two-step change: the code if one was typed, else the password. */
const proofForm = z.object({ code: text(64), password: text(1024) }).transform(({ code, password }): IdentityProof | null =>
  code.trim() !== '' ? { code } : password !== '' ? { password } : null,
);
const passwordForm = z.object({ time_zone: text(64), current_password: text(1024), new_password: text(1024) });

/** A posted form's fields; a rule it breaks is a 400 whose message is the rule's own, shown beside the form. */
const readForm = <S extends z.ZodType>(schema: S, input: unknown): z.output<S> => parseInput(schema, input, { problems: 'first' });

/** The message of an AppError a form should show, or rethrow anything else. */
function formError(err: unknown): AppError {
  if (err instanceof AppError && err.status < 500 && err.code !== 'INVALID_FORM_TOKEN' && err.code !== 'FORBIDDEN_ORIGIN') {
    return err;
  }
  throw err;
}

interface PageDependencies {
  sessions: SessionService;
  users: UserService;
  twoStep: TwoStep;
  passkeys: Passkeys;
  registry: AppRegistry;
  cookie: SessionCookie;
  deviceCookie: DeviceCookie;
  /** Holds a sign-in waiting for its second step, between the password and the code. */
  secondStepCookie: PendingCookie;
  formTokens: FormTokens;
  authLimit: RequestHandler;
}

/** What the pages share: the dependencies and the steps every page takes the same way. */
interface PageKit extends PageDependencies {
  html(res: Response, status: number, body: string): void;
  meta(req: Request, timeZone: string): { userAgent: string; ip: string; deviceTokens: string[]; timeZone: string };
  setSessionCookies(req: Request, res: Response, cookies: SessionCookies): void;
  /** After a right password: the session's cookies and on to `returnTo`, or on to the second step. */
  continueSignIn(req: Request, res: Response, result: SignInResult, returnTo: string): void;
  /** The signed-in user, or undefined after redirecting to the sign-in page. */
  requirePageSession(req: Request, res: Response): Promise<SessionView | undefined>;
}

function pageKit(deps: PageDependencies): PageKit {
  const { sessions, registry, cookie, deviceCookie, secondStepCookie } = deps;
  const setSessionCookies = (req: Request, res: Response, cookies: SessionCookies) => {
    cookie.set(res, cookies.token, cookies.expiresAt);
    deviceCookie.remember(req, res, cookies.device);
  };
  return {
    ...deps,
    html: (res, status, body) => res.status(status).type('html').send(body),
    meta: (req, timeZone) => ({ userAgent: req.get('user-agent') ?? '', ip: req.ip ?? '', deviceTokens: deviceCookie.read(req), timeZone }),
    setSessionCookies,
    continueSignIn(req, res, result, returnTo) {
      if (needsSecondStep(result)) {
        secondStepCookie.set(res, result.secondStep.token, result.secondStep.expiresAt);
        res.redirect(303, `/login/second-step?return_to=${encodeURIComponent(returnTo)}`);
        return;
      }
      setSessionCookies(req, res, result);
      res.redirect(303, returnTo);
    },
    async requirePageSession(req, res) {
      const me = await sessions.authenticate(cookie.read(req));
      if (!me) res.redirect(303, `/login?return_to=${encodeURIComponent(registry.safeReturnTo(undefined))}`);
      return me ?? undefined;
    },
  };
}

/** Sign-in, sign-up and sign-out. */
function signInPages(router: Router, kit: PageKit): void {
  const { sessions, users, registry, cookie, secondStepCookie, formTokens, authLimit, html, meta, setSessionCookies, continueSignIn } = kit;

  router.get('/login', (req, res) => {
    html(res, 200, loginPage({ returnTo: registry.safeReturnTo(req.query['return_to']), csrf: formTokens.issue(req, res) }));
  });

  router.post('/login', authLimit, async (req, res) => {
    const form = readForm(loginForm, req.body);
    const returnTo = registry.safeReturnTo(form.return_to);
    try {
      continueSignIn(req, res, await sessions.signIn(form.email, form.password, meta(req, form.time_zone)), returnTo);
    } catch (err) {
      const e = formError(err);
      res.set(e.headers);
      html(res, e.status, loginPage({ returnTo, email: form.email, error: e.message, csrf: formTokens.issue(req, res) }));
    }
  });

  // The second step: the password was right and the browser holds the pending sign-in's cookie.
  router.get('/login/second-step', (req, res) => {
    const returnTo = registry.safeReturnTo(req.query['return_to']);
    if (secondStepCookie.read(req) === undefined) return res.redirect(303, `/login?return_to=${encodeURIComponent(returnTo)}`);
    html(res, 200, secondStepPage({ returnTo, csrf: formTokens.issue(req, res) }));
  });

  router.post('/login/second-step', authLimit, async (req, res) => {
    const form = readForm(secondStepForm, req.body);
    const returnTo = registry.safeReturnTo(form.return_to);
    try {
      const signedIn = await sessions.completeSecondStep(secondStepCookie.read(req), form.code, meta(req, form.time_zone));
      secondStepCookie.clear(res);
      setSessionCookies(req, res, signedIn);
      res.redirect(303, returnTo);
    } catch (err) {
      const e = formError(err);
      res.set(e.headers);
      if (e.code === 'SECOND_STEP_EXPIRED') {
        secondStepCookie.clear(res);
        return html(res, e.status, loginPage({ returnTo, error: e.message, csrf: formTokens.issue(req, res) }));
      }
      html(res, e.status, secondStepPage({ returnTo, error: e.message, csrf: formTokens.issue(req, res) }));
    }
  });

  router.get('/signup', (req, res) => {
    html(res, 200, signupPage({ returnTo: registry.safeReturnTo(req.query['return_to']), csrf: formTokens.issue(req, res) }));
  });

  router.post('/signup', authLimit, async (req, res) => {
    const form = readForm(signupForm, req.body);
    const returnTo = registry.safeReturnTo(form.return_to);
    try {
      const { name, email } = readForm(signupRules, form);
      await users.create({ name, email, password: form.password });
      continueSignIn(req, res, await sessions.signIn(email, form.password, meta(req, form.time_zone)), returnTo);
    } catch (err) {
      const e = formError(err);
      html(res, e.status, signupPage({ returnTo, name: form.name, email: form.email, error: e.message, csrf: formTokens.issue(req, res) }));
    }
  });

  router.post('/logout', async (req, res) => {
    await sessions.signOut(cookie.read(req));
    cookie.clear(res);
    res.redirect(303, registry.safeReturnTo(readForm(returnToForm, req.body).return_to, '/login'));
  });
}

/** The account page and its profile and password forms. */
function accountPages(router: Router, kit: PageKit): void {
  const { sessions, users, twoStep, passkeys, formTokens, authLimit, html, meta, setSessionCookies, requirePageSession } = kit;

  async function renderAccount(req: Request, res: Response, me: SessionView, status = 200, error?: { form: AccountForm; message: string }) {
    const done = typeof req.query['done'] === 'string' ? req.query['done'] : undefined;
    const list = await sessions.list(me.user.id, me.session.id);
    const twoStepStatus = await twoStep.status(me.user.id);
    const passkeyList = await passkeys.list(me.user.id);
    const hasPassword = await sessions.hasPassword(me.user.id);
    html(res, status, accountPage({ me, sessions: list, twoStep: twoStepStatus, passkeys: passkeyList, hasPassword, csrf: formTokens.issue(req, res), ...(done ? { done } : {}), ...(error ? { error } : {}) }));
  }

  async function renderSetup(req: Request, res: Response, me: SessionView, status = 200, error?: string) {
    const enrolment = await twoStep.pending(me.user);
    if (!enrolment) return res.redirect(303, '/account');
    const qrSvg = await QRCode.toString(enrolment.otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    html(res, status, twoStepSetupPage({ enrolment, qrSvg, csrf: formTokens.issue(req, res), ...(error ? { error } : {}) }));
  }

  /** The fresh proof a two-step change needs, checked (throttled); false after answering the account page with the error. */
  async function proven(req: Request, res: Response, me: SessionView): Promise<boolean> {
    const proof = readForm(proofForm, req.body);
    try {
      if (!proof) throw new AppError('VALIDATION_FAILED', 'Enter a code from your app or your password.');
      await sessions.confirmIdentity(me.user.id, proof, meta(req, ''));
      return true;
    } catch (err) {
      const e = formError(err);
      res.set(e.headers);
      await renderAccount(req, res, me, e.status, { form: 'two-step', message: e.message });
      return false;
    }
  }

  const passkeyId = (req: Request) => String(req.params['id']).slice(0, 1024);

  router.post('/account/passkeys/:id/rename', async (req, res) => {
    const me = await requirePageSession(req, res);
    if (!me) return;
    try {
      const { name } = readForm(z.object({ name: text(200).pipe(passkeyNameSchema) }), req.body);
      await passkeys.rename(me.user.id, passkeyId(req), name);
      res.redirect(303, '/account?done=passkey-renamed');
    } catch (err) {
      const e = formError(err);
      await renderAccount(req, res, me, e.status, { form: 'passkeys', message: e.message });
    }
  });

  router.post('/account/passkeys/:id/delete', async (req, res) => {
    const me = await requirePageSession(req, res);
    if (!me) return;
    try {
      await passkeys.remove(me.user.id, passkeyId(req));
      res.redirect(303, '/account?done=passkey-deleted');
    } catch (err) {
      const e = formError(err);
      await renderAccount(req, res, me, e.status, { form: 'passkeys', message: e.message });
    }
  });

  router.post('/account/two-step/setup', async (req, res) => {
    const me = await requirePageSession(req, res);
    if (!me) return;
    try {
      await twoStep.begin(me.user);
    } catch (err) {
      const e = formError(err);
      return renderAccount(req, res, me, e.status, { form: 'two-step', message: e.message });
    }
    res.redirect(303, '/account/two-step/setup');
  });

  router.get('/account/two-step/setup', async (req, res) => {
    const me = await requirePageSession(req, res);
    if (me) await renderSetup(req, res, me);
  });

  router.post('/account/two-step/confirm', authLimit, async (req, res) => {
    const me = await requirePageSession(req, res);
    if (!me) return;
    const { code } = readForm(codeForm, req.body);
    try {
      const codes = await twoStep.confirm(me.user.id, code);
      html(res, 200, recoveryCodesPage({ codes, turnedOn: true }));
    } catch (err) {
      const e = formError(err);
      if (e.code === 'TWO_STEP_NOT_PENDING') return renderAccount(req, res, me, e.status, { form: 'two-step', message: e.message });
      await renderSetup(req, res, me, e.status, e.message);
    }
  });

  router.post('/account/two-step/recovery-codes', authLimit, async (req, res) => {
    const me = await requirePageSession(req, res);
    if (!me || !(await proven(req, res, me))) return;
    html(res, 200, recoveryCodesPage({ codes: await twoStep.newRecoveryCodes(me.user.id), turnedOn: false }));
  });

  router.post('/account/two-step/disable', authLimit, async (req, res) => {
    const me = await requirePageSession(req, res);
    if (!me || !(await proven(req, res, me))) return;
    await twoStep.disable(me.user.id);
    res.redirect(303, '/account?done=two-step-off');
  });

  router.get('/account', async (req, res) => {
    const me = await requirePageSession(req, res);
    if (me) await renderAccount(req, res, me);
  });

  router.post('/account/profile', async (req, res) => {
    const me = await requirePageSession(req, res);
    if (!me) return;
    try {
      const { name, picture } = readForm(profileForm, req.body);
      await users.updateProfile(me.user.id, { name, picture });
      res.redirect(303, '/account?done=profile');
    } catch (err) {
      await renderAccount(req, res, me, formError(err).status, { form: 'profile', message: (err as AppError).message });
    }
  });

  router.post('/account/password/remove', authLimit, async (req, res) => {
    const me = await requirePageSession(req, res);
    if (!me) return;
    const form = readForm(passwordForm, req.body);
    try {
      setSessionCookies(req, res, await sessions.removePassword(me, form.current_password, meta(req, form.time_zone)));
      res.redirect(303, '/account?done=password-removed');
    } catch (err) {
      const e = formError(err);
      res.set(e.headers);
      await renderAccount(req, res, me, e.status, { form: 'password', message: e.message });
    }
  });

  router.post('/account/password/set', authLimit, async (req, res) => {
    const me = await requirePageSession(req, res);
    if (!me) return;
    const form = readForm(passwordForm, req.body);
    try {
      setSessionCookies(req, res, await sessions.setPassword(me, form.new_password, meta(req, form.time_zone)));
      res.redirect(303, '/account?done=password-set');
    } catch (err) {
      const e = formError(err);
      res.set(e.headers);
      await renderAccount(req, res, me, e.status, { form: 'password', message: e.message });
    }
  });

  router.post('/account/password', authLimit, async (req, res) => {
    const me = await requirePageSession(req, res);
    if (!me) return;
    const form = readForm(passwordForm, req.body);
    try {
      setSessionCookies(req, res, await sessions.changePassword(me, form.current_password, form.new_password, meta(req, form.time_zone)));
      res.redirect(303, '/account?done=password');
    } catch (err) {
      const e = formError(err);
      res.set(e.headers);
      await renderAccount(req, res, me, e.status, { form: 'password', message: e.message });
    }
  });

}

/** Signing out one session, or every one, from the account page's list. */
function sessionPages(router: Router, kit: PageKit): void {
  const { sessions, cookie, requirePageSession } = kit;

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
}

/** The service's own HTML pages. Forms post back here (with a CSRF token) and redirect with 303. */
export function pageRoutes(deps: PageDependencies): Router {
  const router = Router();
  router.use(markRouteBase);
  router.use(urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));
  router.use((req, res, next) => {
    res.set('Cache-Control', 'no-store');
    if (req.method === 'POST') deps.formTokens.verify(req);
    next();
  });
  router.get('/', (_req, res) => res.redirect(303, '/account'));
  const kit = pageKit(deps);
  signInPages(router, kit);
  accountPages(router, kit);
  sessionPages(router, kit);
  return router;
}
