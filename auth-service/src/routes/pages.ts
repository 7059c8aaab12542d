import { Router, urlencoded, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { markRouteBase } from '../middleware/request-log.js';
import type { AppRegistry } from '../services/apps.js';
import QRCode from 'qrcode';
import type { Admitted, BrowserAccounts, BrowserSession } from '../services/browser-accounts.js';
import { needsSecondStep, type IdentityProof, type SecondStepRequired, type SessionCookies, type SessionService, type SessionView } from '../services/sessions.js';
import type { IssuedDevice } from '../services/known-devices.js';
import type { TwoStep } from '../services/two-step.js';
import type { Passkeys } from '../services/passkeys.js';
import { passkeyNameSchema } from './passkeys.js';
import { emailSchema, nameSchema, normalizeEmail, pictureSchema, type UserService } from '../services/users.js';
import {
  accountDeletedPage,
  accountPage,
  loginPage,
  recoveryCodesPage,
  secondStepPage,
  signupPage,
  twoStepSetupPage,
  type AccountDone,
  type AccountForm,
} from '../views/pages.js';
import { confirmEmailPage, emailConfirmedPage, linkRefusedPage } from '../views/email-pages.js';
import type { EmailVerification } from '../services/email-verification.js';
import type { PasswordReset } from '../services/password-reset.js';
import type { AccountData } from '../services/account-data.js';
import { forgotPasswordPage, passwordResetDonePage, resetPasswordPage, resetSentPage } from '../views/password-reset-pages.js';
import { pageLanguage } from '../views/language.js';
import type { FormTokens } from './form-token.js';
import { createAfterSignIn } from './after-sign-in.js';
import type { DeviceCookie, PendingCookie, SessionCookie } from './session-cookie.js';
import { parseInput } from './validate.js';

/** A form field as posted, cut to `max` characters; anything but one string (missing, repeated) is empty. */
const text = (max: number) =>
  z
    .string()
    .catch('')
    .transform((s) => s.slice(0, max));

const logoutForm = z.object({ return_to: text(2048), account: text(64) });
/** `?account=` on a page, or the `account` field of its form: which of the browser's accounts it is about. */
const accountField = z.object({ account: text(64) });
// Filled in by /assets/time-zone.js; without script the session simply has no place.
const signInFields = { return_to: text(2048), time_zone: text(64) };
const loginForm = z.object({ ...signInFields, add: text(1), email: text(254).transform(normalizeEmail), password: text(1024) });
const signupForm = z.object({ ...signInFields, name: text(200), email: text(300), password: text(1024) });
const signupRules = z.object({ name: nameSchema, email: emailSchema });
const profileForm = z.object({
  name: text(200).pipe(nameSchema),
  picture: text(4096)
    .transform((s) => s.trim() || null)
    .pipe(pictureSchema),
});
const secondStepForm = z.object({ ...signInFields, add: text(1), code: text(64) });
const codeForm = z.object({ code: text(64) });
/** Fresh proof for a two-step change: the code if one was typed, else the password. */
const proofForm = z.object({ code: text(64), password: text(1024) }).transform(({ code, password }): IdentityProof | null =>
  code.trim() !== '' ? { code } : password !== '' ? { password } : null,
);
const passwordForm = z.object({ time_zone: text(64), current_password: text(1024), new_password: text(1024) });
const emailForm = z.object({ password: text(1024), new_email: text(300).pipe(emailSchema) });
const linkForm = z.object({ token: text(128) });
const deleteForm = z.object({ password: text(1024) });
const forgotForm = z.object({ email: text(254).transform(normalizeEmail) });
const resetForm = z.object({ token: text(128), new_password: text(1024) });

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
  accounts: BrowserAccounts;
  /** The service's public origin: where `/authorize` is. */
  issuer: string;
  users: UserService;
  verification: EmailVerification;
  passwordReset: PasswordReset;
  accountData: AccountData;
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

/** The account a page is about, and the browser's accounts beside it. */
interface PageSession {
  held: BrowserSession[];
  current: BrowserSession;
  me: SessionView;
}

/** What the pages share: the dependencies and the steps every page takes the same way. */
interface PageKit extends PageDependencies {
  html(res: Response, status: number, body: string): void;
  meta(req: Request, timeZone: string): { userAgent: string; ip: string; deviceTokens: string[]; timeZone: string };
  /** Sets the session cookie to these accounts and remembers the browser as a known device of the one signed in. */
  setSessionCookies(req: Request, res: Response, accounts: readonly BrowserSession[], device: IssuedDevice): void;
  /**
   * After a right password (or code, or passkey): the browser's accounts in its cookie and on to `returnTo` (see
   * `afterSignIn`), or on to the second step, which keeps `add`.
   */
  continueSignIn(req: Request, res: Response, result: Admitted | SecondStepRequired, returnTo: string, add: boolean): void;
  /**
   * The account the page is about (`?account=`, or the `account` field of a posted form; else the default), or
   * undefined after redirecting to the sign-in page.
   */
  requirePageSession(req: Request, res: Response): Promise<PageSession | undefined>;
  /** Where to go after signing in: `returnTo`, and when that is our `/authorize`, with the account signed in with as its hint. */
  afterSignIn(returnTo: string, account: BrowserSession): string;
  /**
   * The current account's session renewed under new cookies (a password changed, removed or set): its token
   * replaced in the browser's list, the others kept.
   */
  renewCurrent(req: Request, res: Response, page: PageSession, cookies: SessionCookies): void;
}

/** Back to the account page after a form succeeded, with its notice, in the page's language. */
const back = (req: Request, page: PageSession, done: AccountDone) =>
  pageLanguage(req).href(`/account?account=${encodeURIComponent(page.me.session.id)}&done=${done}`);

function pageKit(deps: PageDependencies): PageKit {
  const { accounts, registry, cookie, deviceCookie, secondStepCookie, issuer } = deps;
  const setSessionCookies = (req: Request, res: Response, held: readonly BrowserSession[], device: IssuedDevice) => {
    cookie.set(res, held);
    deviceCookie.remember(req, res, device);
  };
  const afterSignIn = createAfterSignIn(issuer);
  return {
    ...deps,
    html: (res, status, body) => res.status(status).type('html').send(body),
    meta: (req, timeZone) => ({ userAgent: req.get('user-agent') ?? '', ip: req.ip ?? '', deviceTokens: deviceCookie.read(req), timeZone }),
    setSessionCookies,
    continueSignIn(req, res, result, returnTo, add) {
      if (needsSecondStep(result)) {
        secondStepCookie.set(res, result.secondStep.token, result.secondStep.expiresAt);
        res.redirect(303, pageLanguage(req).href(`/login/second-step?return_to=${encodeURIComponent(returnTo)}${add ? '&add=1' : ''}`));
        return;
      }
      setSessionCookies(req, res, result.accounts, result.signedIn.device);
      res.redirect(303, afterSignIn(returnTo, result.account));
    },
    async requirePageSession(req, res) {
      const source = req.method === 'POST' ? req.body : req.query;
      const handle = accountField.parse(source ?? {}).account || undefined;
      const held = await accounts.read(cookie.read(req));
      const current = accounts.pick(held, handle);
      if (!current) {
        res.redirect(303, pageLanguage(req).href(`/login?return_to=${encodeURIComponent(registry.safeReturnTo(undefined))}`));
        return undefined;
      }
      return { held, current, me: current.view };
    },
    afterSignIn,
    renewCurrent(req, res, page, cookies) {
      cookie.set(res, page.held.map((a) => (a === page.current ? { token: cookies.token, expiresAt: cookies.expiresAt } : a)));
      deviceCookie.remember(req, res, cookies.device);
    },
  };
}

/** Sign-in, sign-up and sign-out. */
function signInPages(router: Router, kit: PageKit): void {
  const { sessions, accounts, users, registry, cookie, secondStepCookie, formTokens, authLimit, html, meta, continueSignIn } = kit;
  const addMode = (value: unknown) => value === '1';

  router.get('/login', (req, res) => {
    const email = typeof req.query['email'] === 'string' ? req.query['email'].slice(0, 254) : undefined;
    html(
      res,
      200,
      loginPage(pageLanguage(req), {
        returnTo: registry.safeReturnTo(req.query['return_to']),
        csrf: formTokens.issue(req, res),
        add: addMode(req.query['add']),
        ...(email ? { email } : {}),
      }),
    );
  });

  router.post('/login', authLimit, async (req, res) => {
    const form = readForm(loginForm, req.body);
    const returnTo = registry.safeReturnTo(form.return_to);
    const add = addMode(form.add);
    try {
      const held = await accounts.read(cookie.read(req));
      continueSignIn(req, res, await accounts.signIn(held, form.email, form.password, meta(req, form.time_zone), add), returnTo, add);
    } catch (err) {
      const e = formError(err);
      res.set(e.headers);
      const l = pageLanguage(req);
      html(res, e.status, loginPage(l, { returnTo, add, email: form.email, error: l.error(e), csrf: formTokens.issue(req, res) }));
    }
  });

  // The second step: the password was right and the browser holds the pending sign-in's cookie.
  router.get('/login/second-step', (req, res) => {
    const returnTo = registry.safeReturnTo(req.query['return_to']);
    const add = addMode(req.query['add']);
    const l = pageLanguage(req);
    if (secondStepCookie.read(req) === undefined) return res.redirect(303, l.href(`/login?return_to=${encodeURIComponent(returnTo)}${add ? '&add=1' : ''}`));
    html(res, 200, secondStepPage(l, { returnTo, add, csrf: formTokens.issue(req, res) }));
  });

  router.post('/login/second-step', authLimit, async (req, res) => {
    const form = readForm(secondStepForm, req.body);
    const returnTo = registry.safeReturnTo(form.return_to);
    const add = addMode(form.add);
    try {
      const held = await accounts.read(cookie.read(req));
      const signedIn = await sessions.completeSecondStep(secondStepCookie.read(req), form.code, meta(req, form.time_zone), held);
      secondStepCookie.clear(res);
      continueSignIn(req, res, accounts.admit(held, signedIn, add), returnTo, add);
    } catch (err) {
      const e = formError(err);
      const l = pageLanguage(req);
      res.set(e.headers);
      if (e.code === 'SECOND_STEP_EXPIRED' || e.code === 'TOO_MANY_ACCOUNTS') {
        secondStepCookie.clear(res);
        return html(res, e.status, loginPage(l, { returnTo, add, error: l.error(e), csrf: formTokens.issue(req, res) }));
      }
      html(res, e.status, secondStepPage(l, { returnTo, add, error: l.error(e), csrf: formTokens.issue(req, res) }));
    }
  });

  router.get('/signup', (req, res) => {
    html(res, 200, signupPage(pageLanguage(req), { returnTo: registry.safeReturnTo(req.query['return_to']), csrf: formTokens.issue(req, res) }));
  });

  router.post('/signup', authLimit, async (req, res) => {
    const form = readForm(signupForm, req.body);
    const returnTo = registry.safeReturnTo(form.return_to);
    try {
      const { name, email } = readForm(signupRules, form);
      const held = await accounts.read(cookie.read(req));
      // Refused before the account exists, so a full browser does not leave a new account behind unsigned-in.
      accounts.assertRoom(held);
      await users.create({ name, email, password: form.password, locale: pageLanguage(req).locale });
      continueSignIn(req, res, await accounts.signIn(held, email, form.password, meta(req, form.time_zone), false), returnTo, false);
    } catch (err) {
      const e = formError(err);
      const l = pageLanguage(req);
      html(res, e.status, signupPage(l, { returnTo, name: form.name, email: form.email, error: l.error(e), csrf: formTokens.issue(req, res) }));
    }
  });

  // One account (`account`, its handle), or every account of this browser.
  router.post('/logout', async (req, res) => {
    const form = readForm(logoutForm, req.body);
    const held = await accounts.read(cookie.read(req));
    const left = await accounts.signOut(held, form.account || undefined);
    if (!form.account || left.length < held.length) cookie.set(res, left);
    const fallback = pageLanguage(req).href(left.length > 0 ? '/account' : '/login');
    res.redirect(303, registry.safeReturnTo(form.return_to, fallback));
  });
}

/** The account page and its profile and password forms. */
function accountPages(router: Router, kit: PageKit): void {
  const { sessions, users, twoStep, passkeys, verification, accountData, cookie, formTokens, authLimit, html, meta, requirePageSession, renewCurrent } = kit;

  async function renderAccount(req: Request, res: Response, page: PageSession, status = 200, error?: { form: AccountForm; message: string }) {
    const done = typeof req.query['done'] === 'string' ? req.query['done'] : undefined;
    const { me, held, current } = page;
    const list = await sessions.list(me.user.id, me.session.id);
    const others = held.map((a) => ({ handle: a.view.session.id, name: a.view.user.name, email: a.view.user.email, current: a === current }));
    const addHref = `/login?add=1&return_to=${encodeURIComponent(new URL('/account', kit.issuer).href)}`;
    const twoStepStatus = await twoStep.status(me.user.id);
    const passkeyList = await passkeys.list(me.user.id);
    const hasPassword = await sessions.hasPassword(me.user.id);
    html(
      res,
      status,
      accountPage(pageLanguage(req), {
        me,
        accounts: others,
        addHref,
        sessions: list,
        twoStep: twoStepStatus,
        passkeys: passkeyList,
        hasPassword,
        csrf: formTokens.issue(req, res),
        ...(done ? { done } : {}),
        ...(error ? { error } : {}),
      }),
    );
  }

  async function renderSetup(req: Request, res: Response, page: PageSession, status = 200, error?: string) {
    const enrolment = await twoStep.pending(page.me.user);
    if (!enrolment) return res.redirect(303, pageLanguage(req).href(`/account?account=${encodeURIComponent(page.me.session.id)}`));
    const qrSvg = await QRCode.toString(enrolment.otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    html(res, status, twoStepSetupPage(pageLanguage(req), { enrolment, qrSvg, account: page.me.session.id, csrf: formTokens.issue(req, res), ...(error ? { error } : {}) }));
  }

  /** The fresh proof a two-step change needs, checked (throttled); false after answering the account page with the error. */
  async function proven(req: Request, res: Response, page: PageSession): Promise<boolean> {
    const proof = readForm(proofForm, req.body);
    try {
      if (!proof) throw new AppError('VALIDATION_FAILED', 'Enter a code from your app or your password.');
      await sessions.confirmIdentity(page.me.user.id, proof, meta(req, ''));
      return true;
    } catch (err) {
      const e = formError(err);
      res.set(e.headers);
      await renderAccount(req, res, page, e.status, { form: 'two-step', message: pageLanguage(req).error(e) });
      return false;
    }
  }

  const passkeyId = (req: Request) => String(req.params['id']).slice(0, 1024);

  router.post('/account/passkeys/:id/rename', async (req, res) => {
    const page = await requirePageSession(req, res);
    if (!page) return;
    const { me } = page;
    try {
      const { name } = readForm(z.object({ name: text(200).pipe(passkeyNameSchema) }), req.body);
      await passkeys.rename(me.user.id, passkeyId(req), name);
      res.redirect(303, back(req, page, 'passkey-renamed'));
    } catch (err) {
      const e = formError(err);
      await renderAccount(req, res, page, e.status, { form: 'passkeys', message: pageLanguage(req).error(e) });
    }
  });

  router.post('/account/passkeys/:id/delete', async (req, res) => {
    const page = await requirePageSession(req, res);
    if (!page) return;
    const { me } = page;
    try {
      await passkeys.remove(me.user.id, passkeyId(req));
      res.redirect(303, back(req, page, 'passkey-deleted'));
    } catch (err) {
      const e = formError(err);
      await renderAccount(req, res, page, e.status, { form: 'passkeys', message: pageLanguage(req).error(e) });
    }
  });

  router.post('/account/two-step/setup', async (req, res) => {
    const page = await requirePageSession(req, res);
    if (!page) return;
    const { me } = page;
    try {
      await twoStep.begin(me.user);
    } catch (err) {
      const e = formError(err);
      return renderAccount(req, res, page, e.status, { form: 'two-step', message: pageLanguage(req).error(e) });
    }
    res.redirect(303, pageLanguage(req).href(`/account/two-step/setup?account=${encodeURIComponent(page.me.session.id)}`));
  });

  router.get('/account/two-step/setup', async (req, res) => {
    const page = await requirePageSession(req, res);
    if (page) await renderSetup(req, res, page);
  });

  router.post('/account/two-step/confirm', authLimit, async (req, res) => {
    const page = await requirePageSession(req, res);
    if (!page) return;
    const { me } = page;
    const { code } = readForm(codeForm, req.body);
    try {
      const codes = await twoStep.confirm(me.user.id, code);
      html(res, 200, recoveryCodesPage(pageLanguage(req), { codes, turnedOn: true, account: me.session.id }));
    } catch (err) {
      const e = formError(err);
      if (e.code === 'TWO_STEP_NOT_PENDING') return renderAccount(req, res, page, e.status, { form: 'two-step', message: pageLanguage(req).error(e) });
      await renderSetup(req, res, page, e.status, pageLanguage(req).error(e));
    }
  });

  router.post('/account/two-step/recovery-codes', authLimit, async (req, res) => {
    const page = await requirePageSession(req, res);
    if (!page || !(await proven(req, res, page))) return;
    const { me } = page;
    html(res, 200, recoveryCodesPage(pageLanguage(req), { codes: await twoStep.newRecoveryCodes(me.user.id), turnedOn: false, account: me.session.id }));
  });

  router.post('/account/two-step/disable', authLimit, async (req, res) => {
    const page = await requirePageSession(req, res);
    if (!page || !(await proven(req, res, page))) return;
    const { me } = page;
    await twoStep.disable(me.user.id);
    res.redirect(303, back(req, page, 'two-step-off'));
  });

  router.get('/account', async (req, res) => {
    const page = await requirePageSession(req, res);
    if (page) await renderAccount(req, res, page);
  });

  router.post('/account/profile', async (req, res) => {
    const page = await requirePageSession(req, res);
    if (!page) return;
    try {
      const { name, picture } = readForm(profileForm, req.body);
      await users.updateProfile(page.me.user.id, { name, picture });
      cookie.changed(res);
      res.redirect(303, back(req, page, 'profile'));
    } catch (err) {
      const e = formError(err);
      await renderAccount(req, res, page, e.status, { form: 'profile', message: pageLanguage(req).error(e) });
    }
  });

  type PasswordChange = (me: SessionView, form: z.infer<typeof passwordForm>, meta: ReturnType<PageKit['meta']>) => Promise<SessionCookies>;
  /**
   * A password form of the account page: the change renews this browser's session and comes back with `done`;
   * a refusal shows on the page, in the password form.
   */
  const passwordRoute = (path: string, done: AccountDone, change: PasswordChange) =>
    router.post(path, authLimit, async (req, res) => {
      const page = await requirePageSession(req, res);
      if (!page) return;
      const form = readForm(passwordForm, req.body);
      try {
        renewCurrent(req, res, page, await change(page.me, form, meta(req, form.time_zone)));
        res.redirect(303, back(req, page, done));
      } catch (err) {
        const e = formError(err);
        res.set(e.headers);
        await renderAccount(req, res, page, e.status, { form: 'password', message: pageLanguage(req).error(e) });
      }
    });
  passwordRoute('/account/password/remove', 'password-removed', (me, form, m) => sessions.removePassword(me, form.current_password, m));
  passwordRoute('/account/password/set', 'password-set', (me, form, m) => sessions.setPassword(me, form.new_password, m));
  passwordRoute('/account/password', 'password', (me, form, m) => sessions.changePassword(me, form.current_password, form.new_password, m));

  router.post('/account/delete', authLimit, async (req, res) => {
    const page = await requirePageSession(req, res);
    if (!page) return;
    try {
      await accountData.deleteAccount(page.me.user.id, readForm(deleteForm, req.body).password, meta(req, ''), pageLanguage(req).locale);
      // The account leaves this browser's cookie; its other accounts stay signed in.
      cookie.set(res, page.held.filter((a) => a.view.user.id !== page.me.user.id));
      html(res, 200, accountDeletedPage(pageLanguage(req)));
    } catch (err) {
      const e = formError(err);
      res.set(e.headers);
      await renderAccount(req, res, page, e.status, { form: 'delete', message: pageLanguage(req).error(e) });
    }
  });

  router.post('/account/verification', async (req, res) => {
    const page = await requirePageSession(req, res);
    if (!page) return;
    try {
      await verification.resend(page.me.user.id, req.ip ?? '', pageLanguage(req).locale);
      res.redirect(303, back(req, page, 'verification-sent'));
    } catch (err) {
      const e = formError(err);
      res.set(e.headers);
      await renderAccount(req, res, page, e.status, { form: 'verification', message: pageLanguage(req).error(e) });
    }
  });

  router.post('/account/email', authLimit, async (req, res) => {
    const page = await requirePageSession(req, res);
    if (!page) return;
    try {
      const form = readForm(emailForm, req.body);
      const user = await sessions.confirmPassword(page.me.user.id, form.password, meta(req, ''));
      await verification.requestChange(user, form.new_email, req.ip ?? '', pageLanguage(req).locale);
      res.redirect(303, back(req, page, 'email-change-sent'));
    } catch (err) {
      const e = formError(err);
      res.set(e.headers);
      await renderAccount(req, res, page, e.status, { form: 'email', message: pageLanguage(req).error(e) });
    }
  });

}

/** The page a verification or email-change link opens: confirm with a button, then the address is verified. */
function emailLinkPages(router: Router, kit: PageKit): void {
  const { accounts, verification, cookie, formTokens, html } = kit;
  const refused = (req: Request, res: Response, err: unknown) => {
    const e = formError(err);
    const l = pageLanguage(req);
    html(res, e.status, linkRefusedPage(l, l.error(e)));
  };

  router.get('/verify-email', async (req, res) => {
    const token = typeof req.query['token'] === 'string' ? req.query['token'].slice(0, 128) : '';
    const signedIn = (await accounts.read(cookie.read(req))).map((a) => a.view.user.id);
    try {
      const { email } = await verification.check(token, signedIn);
      html(res, 200, confirmEmailPage(pageLanguage(req), { email, token, csrf: formTokens.issue(req, res) }));
    } catch (err) {
      refused(req, res, err);
    }
  });

  router.post('/verify-email', async (req, res) => {
    const { token } = readForm(linkForm, req.body);
    const held = await accounts.read(cookie.read(req));
    try {
      const { email, userId } = await verification.verify(token, held.map((a) => a.view.user.id));
      const account = held.find((a) => a.view.user.id === userId);
      const l = pageLanguage(req);
      if (account) res.redirect(303, l.href(`/account?account=${encodeURIComponent(account.view.session.id)}&done=email-verified`));
      else html(res, 200, emailConfirmedPage(l, email));
    } catch (err) {
      refused(req, res, err);
    }
  });
}

/** "Forgot password?": ask for a link, then choose a new password on the page it opens. */
function passwordResetPages(router: Router, kit: PageKit): void {
  const { passwordReset, formTokens, authLimit, html } = kit;
  const tokenOf = (req: Request) => (typeof req.query['token'] === 'string' ? req.query['token'].slice(0, 128) : '');

  router.get('/forgot-password', (req, res) => {
    html(res, 200, forgotPasswordPage(pageLanguage(req), { csrf: formTokens.issue(req, res) }));
  });

  router.post('/forgot-password', authLimit, async (req, res) => {
    const { email } = readForm(forgotForm, req.body);
    const l = pageLanguage(req);
    try {
      await passwordReset.request(email, req.ip ?? '', l.locale);
      html(res, 200, resetSentPage(l));
    } catch (err) {
      const e = formError(err);
      res.set(e.headers);
      html(res, e.status, forgotPasswordPage(l, { csrf: formTokens.issue(req, res), email, error: l.error(e) }));
    }
  });

  router.get('/reset-password', async (req, res) => {
    const token = tokenOf(req);
    const l = pageLanguage(req);
    try {
      const { email } = await passwordReset.check(token);
      html(res, 200, resetPasswordPage(l, { csrf: formTokens.issue(req, res), token, email }));
    } catch (err) {
      const e = formError(err);
      html(res, e.status, linkRefusedPage(l, l.error(e)));
    }
  });

  router.post('/reset-password', authLimit, async (req, res) => {
    const form = readForm(resetForm, req.body);
    const l = pageLanguage(req);
    try {
      await passwordReset.complete(form.token, form.new_password, l.locale);
      html(res, 200, passwordResetDonePage(l));
    } catch (err) {
      const e = formError(err);
      if (e.code !== 'WEAK_PASSWORD') {
        html(res, e.status, linkRefusedPage(l, l.error(e)));
        return;
      }
      const { email } = await passwordReset.check(form.token);
      html(res, e.status, resetPasswordPage(l, { csrf: formTokens.issue(req, res), token: form.token, email, error: l.error(e) }));
    }
  });
}

/** Signing out one session, or every one, from the account page's list. */
function sessionPages(router: Router, kit: PageKit): void {
  const { sessions, cookie, requirePageSession } = kit;

  // "Sign out everywhere": every session of this account, on every device; the browser's other accounts stay.
  router.post('/account/sessions/revoke-all', async (req, res) => {
    const page = await requirePageSession(req, res);
    if (!page) return;
    await sessions.revokeAll(page.me.user.id);
    const left = page.held.filter((a) => a.view.user.id !== page.me.user.id);
    cookie.set(res, left);
    res.redirect(303, pageLanguage(req).href(left.length > 0 ? '/account' : '/login'));
  });

  router.post('/account/sessions/:id/revoke', async (req, res) => {
    const page = await requirePageSession(req, res);
    if (!page) return;
    const id = String(req.params['id']).slice(0, 64);
    await sessions.revoke(page.me.user.id, id);
    if (page.held.some((a) => a.view.session.id === id)) {
      const left = page.held.filter((a) => a.view.session.id !== id);
      cookie.set(res, left);
      res.redirect(303, pageLanguage(req).href(left.length > 0 ? '/account' : '/login'));
      return;
    }
    res.redirect(303, back(req, page, 'session'));
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
  emailLinkPages(router, kit);
  passwordResetPages(router, kit);
  return router;
}
