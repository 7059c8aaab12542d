import { minPasswordLength } from '../services/password-policy.js';
import type { SessionSummary, SessionView } from '../services/sessions.js';
import type { TotpEnrolment, TwoStepStatus } from '../services/two-step.js';
import type { PasskeySummary } from '../services/passkeys.js';
import { html, SafeHtml } from './html.js';
import type { PageLanguage } from './language.js';

/** The frame of every page the service renders itself (login, account, provider pages), in the page's language. */
export function layout(l: PageLanguage, title: string, body: SafeHtml, wide = false): string {
  return html`<!doctype html>
<html lang="${l.locale}" dir="${l.m.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Userbox</title>
<link rel="stylesheet" href="/assets/service.css">
</head>
<body>
<main class="${wide ? 'card wide' : 'card'}">
${body}
</main>
</body>
</html>
`.value;
}

function alert(message: string | undefined, id: string) {
  return message ? html`<p class="error" role="alert" id="${id}">${message}</p>` : '';
}

function hidden(name: string, value: string) {
  return html`<input type="hidden" name="${name}" value="${value}">`;
}

/** The browser's time zone goes with a sign-in (the place on the account page); a script file fills it in. */
const timeZoneField = html`<input type="hidden" name="time_zone" value=""><script src="/assets/time-zone.js" defer></script>`;

/**
 * Signing in with a passkey ("Use a passkey": a name that does not contain "Sign in", the password form's
 * button) and passkey autofill on the email field (conditional mediation), run by
 * /assets/passkeys.js on SimpleWebAuthn's browser half; shown only where the browser supports WebAuthn.
 */
const passkeySignIn = (l: PageLanguage) => html`<div class="passkey-sign-in" data-passkey-sign-in hidden>
  <button type="button" class="secondary" id="passkey-sign-in">${l.m.login.passkey}</button>
  <p class="error" role="alert" id="passkey-error" data-cancelled="${l.m.login.passkeyCancelled}" data-failed="${l.m.login.passkeyFailed}" hidden></p>
</div>
<script src="/assets/simplewebauthn-browser.js" defer></script><script src="/assets/passkeys.js" defer></script>`;

/**
 * The sign-in form. `add`: "Add another account" mode, for a browser that is already signed in; it says so, and
 * shows nothing about the accounts already there (anyone at the browser can open it).
 */
export function loginPage(l: PageLanguage, opts: { returnTo: string; csrf: string; add?: boolean; email?: string; error?: string }): string {
  const { m } = l;
  const title = opts.add ? m.login.addTitle : m.login.title;
  return layout(
    l,
    title,
    html`<h1>${title}</h1>
${opts.add ? html`<p class="hint">${m.login.addHint}</p>` : ''}
${alert(opts.error, 'login-error')}
<form method="post" action="/login">
  ${hidden('return_to', opts.returnTo)}${hidden('csrf', opts.csrf)}${opts.add ? hidden('add', '1') : ''}${l.field}${timeZoneField}
  <label for="email">${m.common.email}</label>
  <input id="email" name="email" type="email" autocomplete="username webauthn" required value="${opts.email ?? ''}" ${opts.email ? '' : html`autofocus`}>
  <label for="password">${m.common.password}</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required ${opts.email ? html`autofocus` : ''}>
  <button type="submit">${m.common.signIn}</button>
</form>
<p class="aside"><a href="${l.href('/forgot-password')}">${m.login.forgot}</a></p>
${passkeySignIn(l)}
<p class="aside">${m.login.noAccount} <a href="${l.href(`/signup?return_to=${encodeURIComponent(opts.returnTo)}`)}">${m.login.create}</a></p>`,
  );
}

/** The second step of a sign-in; `add` carries "Add another account" mode over from the password. */
export function secondStepPage(l: PageLanguage, opts: { returnTo: string; csrf: string; add?: boolean; error?: string }): string {
  const m = l.m.secondStep;
  return layout(
    l,
    m.title,
    html`<h1>${m.title}</h1>
${alert(opts.error, 'second-step-error')}
<form method="post" action="/login/second-step">
  ${hidden('return_to', opts.returnTo)}${hidden('csrf', opts.csrf)}${opts.add ? hidden('add', '1') : ''}${l.field}${timeZoneField}
  <label for="code">${m.code}</label>
  <input id="code" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="32" required autofocus aria-describedby="code-hint">
  <p class="hint" id="code-hint">${m.hint}</p>
  <button type="submit">${m.button}</button>
</form>
<p class="aside"><a href="${l.href(`/login?return_to=${encodeURIComponent(opts.returnTo)}${opts.add ? '&add=1' : ''}`)}">${m.again}</a></p>`,
  );
}

export function signupPage(l: PageLanguage, opts: { returnTo: string; csrf: string; email?: string; name?: string; error?: string }): string {
  const { m } = l;
  return layout(
    l,
    m.signup.title,
    html`<h1>${m.signup.title}</h1>
${alert(opts.error, 'signup-error')}
<form method="post" action="/signup">
  ${hidden('return_to', opts.returnTo)}${hidden('csrf', opts.csrf)}${l.field}${timeZoneField}
  <label for="name">${m.common.name}</label>
  <input id="name" name="name" autocomplete="name" required maxlength="80" value="${opts.name ?? ''}" autofocus>
  <label for="email">${m.common.email}</label>
  <input id="email" name="email" type="email" autocomplete="email" required value="${opts.email ?? ''}">
  <label for="password">${m.common.password}</label>
  <input id="password" name="password" type="password" autocomplete="new-password" required minlength="${minPasswordLength}" aria-describedby="password-hint">
  <p class="hint" id="password-hint">${m.common.passwordHint(minPasswordLength)}</p>
  <button type="submit">${m.signup.button}</button>
</form>
<p class="aside">${m.signup.haveAccount} <a href="${l.href(`/login?return_to=${encodeURIComponent(opts.returnTo)}`)}">${m.common.signIn}</a></p>`,
  );
}

/** The account page's forms, each of which can show an error beside it. */
export type AccountForm = 'profile' | 'password' | 'verification' | 'email' | 'delete' | 'two-step' | 'passkeys';

export function accountDeletedPage(l: PageLanguage): string {
  const m = l.m.deleted;
  return layout(l, m.title, html`<h1>${m.title}</h1>
<p role="status" class="notice">${m.body}</p>
<p><a href="${l.href('/signup')}">${m.next}</a></p>`);
}

function passwordSection(l: PageLanguage, email: string, csrf: string, account: SafeHtml, error: SafeHtml | string, hasPasskeys: boolean) {
  const m = l.m.account.password;
  return html`<section aria-labelledby="password-heading">
  <h2 id="password-heading">${m.heading}</h2>
  ${error}
  <form method="post" action="/account/password">
    ${hidden('csrf', csrf)}${account}${l.field}
    <input type="hidden" name="username" autocomplete="username" value="${email}">
    <label for="current-password">${m.current}</label>
    <input id="current-password" name="current_password" type="password" autocomplete="current-password" required>
    <label for="new-password">${l.m.common.newPassword}</label>
    <input id="new-password" name="new_password" type="password" autocomplete="new-password" required minlength="${minPasswordLength}" aria-describedby="new-password-hint">
    <p class="hint" id="new-password-hint">${l.m.common.passwordHint(minPasswordLength)}</p>
    <button type="submit">${m.change}</button>
  </form>
  ${hasPasskeys
    ? html`<form method="post" action="/account/password/remove">
    ${hidden('csrf', csrf)}${account}${l.field}
    <input type="hidden" name="username" autocomplete="username" value="${email}">
    <p class="hint">${m.passkeysOnlyOffer}</p>
    <label for="remove-password-current">${m.removeLabel}</label>
    <input id="remove-password-current" name="current_password" type="password" autocomplete="current-password" required>
    <button type="submit" class="danger">${m.remove}</button>
  </form>`
    : ''}
</section>`;
}

/** An account with passkeys only: no password to change, one may be set after a recent sign-in. */
function passwordlessSection(l: PageLanguage, email: string, csrf: string, account: SafeHtml, error: SafeHtml | string) {
  const m = l.m.account.password;
  return html`<section aria-labelledby="password-heading">
  <h2 id="password-heading">${m.heading}</h2>
  ${error}
  <p class="hint">${m.passkeysOnly}</p>
  <form method="post" action="/account/password/set">
    ${hidden('csrf', csrf)}${account}${l.field}
    <input type="hidden" name="username" autocomplete="username" value="${email}">
    <label for="new-password">${l.m.common.newPassword}</label>
    <input id="new-password" name="new_password" type="password" autocomplete="new-password" required minlength="${minPasswordLength}" aria-describedby="new-password-hint">
    <p class="hint" id="new-password-hint">${m.setHint(minPasswordLength)}</p>
    <button type="submit">${m.set}</button>
  </form>
</section>`;
}

function passkeysSection(l: PageLanguage, list: readonly PasskeySummary[], csrf: string, handle: string, error: SafeHtml | string) {
  const m = l.m.account.passkeys;
  const account = html`${hidden('account', handle)}${l.field}`;
  return html`<section aria-labelledby="passkeys-heading">
  <h2 id="passkeys-heading">${m.heading}</h2>
  ${error}
  <p class="hint">${m.intro}</p>
  ${list.length === 0 ? html`<p class="hint" id="no-passkeys">${m.none}</p>` : ''}
  <ul class="sessions passkeys" aria-label="${m.list}">
    ${list.map(
      (p) => html`<li>
      <div><strong>${p.name}</strong>${p.synced ? html` <span class="badge">${m.synced}</span>` : ''}</div>
      <div class="hint">${m.added(formatTime(p.createdAt))} · ${p.lastUsedAt ? m.lastUsed(formatTime(p.lastUsedAt)) : m.neverUsed}</div>
      <form method="post" action="/account/passkeys/${p.id}/delete">
        ${hidden('csrf', csrf)}${account}
        <button type="submit" class="secondary" aria-label="${m.deleteLabel(p.name)}">${m.delete}</button>
      </form>
      <form method="post" action="/account/passkeys/${p.id}/rename" class="rename">
        ${hidden('csrf', csrf)}${account}
        <label for="rename-${p.id}">${m.renameField(p.name)}</label>
        <input id="rename-${p.id}" name="name" required maxlength="60" value="${p.name}">
        <button type="submit" class="secondary" aria-label="${m.renameLabel(p.name)}">${m.rename}</button>
      </form>
    </li>`,
    )}
  </ul>
  <form data-passkey-add data-account="${handle}" hidden>
    <label for="passkey-name">${m.newLabel}</label>
    <input id="passkey-name" name="name" required maxlength="60" placeholder="${m.placeholder}">
    <button type="submit">${m.add}</button>
    <p class="error" role="alert" id="passkey-error" data-cancelled="${m.addCancelled}" data-failed="${l.m.login.passkeyFailed}" hidden></p>
  </form>
  <script src="/assets/simplewebauthn-browser.js" defer></script><script src="/assets/passkeys.js" defer></script>
</section>`;
}

/** Fresh proof for a two-step change: a code from the app (or a recovery code), or the password. */
function proofFields(l: PageLanguage, prefix: string, email: string) {
  const m = l.m.account.twoStep;
  return html`<input type="hidden" name="username" autocomplete="username" value="${email}">
    <label for="${prefix}-code">${m.code}</label>
    <input id="${prefix}-code" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="32">
    <label for="${prefix}-password">${m.orPassword}</label>
    <input id="${prefix}-password" name="password" type="password" autocomplete="current-password">`;
}

function twoStepSection(l: PageLanguage, status: TwoStepStatus, csrf: string, account: SafeHtml, email: string, error: SafeHtml | string) {
  const m = l.m.account.twoStep;
  if (!status.enabled) {
    return html`<section aria-labelledby="two-step-heading">
  <h2 id="two-step-heading">${m.heading}</h2>
  ${error}
  <p class="hint">${m.off}</p>
  <form method="post" action="/account/two-step/setup">
    ${hidden('csrf', csrf)}${account}${l.field}
    <button type="submit">${m.turnOn}</button>
  </form>
</section>`;
  }
  return html`<section aria-labelledby="two-step-heading">
  <h2 id="two-step-heading">${m.heading}</h2>
  ${error}
  <p class="hint">${m.on(status.recoveryCodesLeft)}</p>
  <form method="post" action="/account/two-step/recovery-codes">
    ${hidden('csrf', csrf)}${account}${l.field}${proofFields(l, 'recovery', email)}
    <button type="submit" class="secondary">${m.newCodes}</button>
  </form>
  <form method="post" action="/account/two-step/disable">
    ${hidden('csrf', csrf)}${account}${l.field}${proofFields(l, 'disable', email)}
    <button type="submit" class="danger">${m.turnOff}</button>
  </form>
</section>`;
}

/**
 * Setting up the authenticator app: the QR code (server-rendered SVG markup, no inline style, so the strict CSP
 * holds), the secret as text for typing, and the first code that confirms it.
 */
export function twoStepSetupPage(l: PageLanguage, opts: { enrolment: TotpEnrolment; qrSvg: string; account: string; csrf: string; error?: string }): string {
  const m = l.m.twoStepSetup;
  // qrcode's SVG is made of path data computed from the URI, never the URI's text: safe markup to embed.
  const qr = new SafeHtml(opts.qrSvg);
  return layout(
    l,
    m.title,
    html`<h1>${m.title}</h1>
${alert(opts.error, 'setup-error')}
<p>${m.scan}</p>
<figure class="qr" role="img" aria-label="${m.qr}">${qr}</figure>
<p class="hint">${m.key} <code id="totp-secret">${opts.enrolment.secret}</code></p>
<form method="post" action="/account/two-step/confirm">
  ${hidden('csrf', opts.csrf)}${hidden('account', opts.account)}${l.field}
  <label for="code">${m.code}</label>
  <input id="code" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="6" required autofocus>
  <button type="submit">${m.button}</button>
</form>
<p class="aside"><a href="${l.href(`/account?account=${encodeURIComponent(opts.account)}`)}">${l.m.common.cancel}</a></p>`,
  );
}

/** New recovery codes, shown this once. */
export function recoveryCodesPage(l: PageLanguage, opts: { codes: readonly string[]; turnedOn: boolean; account: string }): string {
  const m = l.m.recoveryCodes;
  return layout(
    l,
    m.title,
    html`<h1>${m.title}</h1>
${opts.turnedOn ? html`<p class="notice" role="status">${m.turnedOn}</p>` : ''}
<p>${m.keep}</p>
<ul class="recovery-codes" aria-label="${m.list}">
  ${opts.codes.map((c) => html`<li><code>${c}</code></li>`)}
</ul>
<p><a href="${l.href(`/account?account=${encodeURIComponent(opts.account)}`)}">${m.back}</a></p>`,
  );
}

function formatTime(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ') + ' UTC';
}

/** One of the browser's accounts, as the account page lists them to switch to or sign out. */
export interface AccountLink {
  handle: string;
  name: string;
  email: string;
  current: boolean;
}

/** The notices the account page shows after a form succeeded (`?done=`). */
export type AccountDone = keyof PageLanguage['m']['account']['done'];

export function accountPage(l: PageLanguage, opts: {
  me: SessionView;
  /** Every account of this browser, this one (`current`) included. */
  accounts: AccountLink[];
  /** The sign-in page in "Add another account" mode, coming back here. */
  addHref: string;
  sessions: SessionSummary[];
  twoStep: TwoStepStatus;
  passkeys: readonly PasskeySummary[];
  /** False: the account signs in with passkeys only. */
  hasPassword: boolean;
  csrf: string;
  done?: string;
  error?: { form: AccountForm; message: string };
}): string {
  const { me, sessions, csrf } = opts;
  const m = l.m.account;
  const account = hidden('account', me.session.id);
  const done = opts.done && Object.hasOwn(m.done, opts.done) ? m.done[opts.done as AccountDone] : undefined;
  const errorFor = (form: AccountForm) =>
    opts.error?.form === form ? alert(opts.error.message, `${form}-error`) : '';
  return layout(
    l,
    m.title,
    html`<h1>${m.title}</h1>
${done ? html`<p class="notice" role="status">${done}</p>` : ''}
<section aria-labelledby="profile-heading">
  <h2 id="profile-heading">${m.profile.heading}</h2>
  ${errorFor('profile')}
  <form method="post" action="/account/profile">
    ${hidden('csrf', csrf)}${account}${l.field}
    <label for="name">${l.m.common.name}</label>
    <input id="name" name="name" autocomplete="name" required maxlength="80" value="${me.user.name}">
    <label for="picture">${m.profile.picture}</label>
    <input id="picture" name="picture" type="url" inputmode="url" maxlength="2048" placeholder="https://…" value="${me.user.picture ?? ''}">
    <button type="submit">${m.profile.save}</button>
  </form>
</section>
${me.user.emailVerified
  ? ''
  : html`<section aria-labelledby="verify-heading">
  <h2 id="verify-heading">${m.verify.heading}</h2>
  ${errorFor('verification')}
  <p>${m.verify.body(me.user.email)}</p>
  <form method="post" action="/account/verification">
    ${hidden('csrf', csrf)}${account}${l.field}
    <button type="submit" class="secondary">${m.verify.resend}</button>
  </form>
</section>`}
<section aria-labelledby="email-heading">
  <h2 id="email-heading">${m.email.heading}</h2>
  ${errorFor('email')}
  <p><bdi>${me.user.email}</bdi> <span class="badge">${me.user.emailVerified ? m.email.verified : m.email.unverified}</span></p>
  <form method="post" action="/account/email">
    ${hidden('csrf', csrf)}${account}${l.field}
    <input type="hidden" name="username" autocomplete="username" value="${me.user.email}">
    <label for="new-email">${m.email.newEmail}</label>
    <input id="new-email" name="new_email" type="email" autocomplete="email" required aria-describedby="new-email-hint">
    <label for="email-password">${m.email.password}</label>
    <input id="email-password" name="password" type="password" autocomplete="current-password" required>
    <p class="hint" id="new-email-hint">${m.email.hint}</p>
    <button type="submit">${m.email.change}</button>
  </form>
</section>
${opts.hasPassword
  ? passwordSection(l, me.user.email, csrf, account, errorFor('password'), opts.passkeys.length > 0)
  : passwordlessSection(l, me.user.email, csrf, account, errorFor('password'))}
${passkeysSection(l, opts.passkeys, csrf, me.session.id, errorFor('passkeys'))}
${twoStepSection(l, opts.twoStep, csrf, account, me.user.email, errorFor('two-step'))}
<section aria-labelledby="accounts-heading">
  <h2 id="accounts-heading">${m.accounts.heading}</h2>
  <ul class="sessions account-list">
    ${opts.accounts.map(
      (a) => html`<li>
      <div>${a.current ? html`<strong>${a.name}</strong> <span class="badge">${m.accounts.shownHere}</span>` : html`<a href="${l.href(`/account?account=${encodeURIComponent(a.handle)}`)}" aria-label="${m.accounts.switchTo(a.name, a.email)}">${a.name}</a>`}</div>
      <div class="hint"><bdi>${a.email}</bdi></div>
      <form method="post" action="/logout">
        ${hidden('csrf', csrf)}${hidden('account', a.handle)}${l.field}
        <button type="submit" class="secondary" aria-label="${m.accounts.signOutOf(a.name, a.email)}">${l.m.common.signOut}</button>
      </form>
    </li>`,
    )}
  </ul>
  <p><a href="${l.href(opts.addHref)}">${m.accounts.add}</a></p>
  <form method="post" action="/logout">
    ${hidden('csrf', csrf)}${l.field}
    <button type="submit" class="secondary">${m.accounts.signOutAll}</button>
  </form>
</section>
<section aria-labelledby="sessions-heading">
  <h2 id="sessions-heading">${m.sessions.heading}</h2>
  <ul class="sessions">
    ${sessions.map(
      (s) => html`<li>
      <div><strong>${s.device}</strong>${s.current ? html` <span class="badge">${m.sessions.thisDevice}</span>` : ''}</div>
      <div class="hint">${m.sessions.where(s.place, s.ip, formatTime(s.lastSeenAt))}</div>
      <form method="post" action="/account/sessions/${s.id}/revoke">
        ${hidden('csrf', csrf)}${account}${l.field}
        <button type="submit" class="secondary" aria-label="${m.sessions.signOutLabel(s.device, s.current)}">${l.m.common.signOut}</button>
      </form>
    </li>`,
    )}
  </ul>
  <form method="post" action="/account/sessions/revoke-all">
    ${hidden('csrf', csrf)}${account}${l.field}
    <button type="submit" class="danger">${m.sessions.everywhere}</button>
  </form>
</section>
<section aria-labelledby="data-heading">
  <h2 id="data-heading">${m.data.heading}</h2>
  <p>${m.data.body}</p>
  <p><a href="/api/me/export" download>${m.data.download}</a></p>
</section>
<section aria-labelledby="delete-heading">
  <h2 id="delete-heading">${m.delete.heading}</h2>
  ${errorFor('delete')}
  <p>${m.delete.body}</p>
  <form method="post" action="/account/delete">
    ${hidden('csrf', csrf)}${account}${l.field}
    <input type="hidden" name="username" autocomplete="username" value="${me.user.email}">
    <label for="delete-password">${m.delete.password}</label>
    <input id="delete-password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit" class="danger">${m.delete.button}</button>
  </form>
</section>`,
    true,
  );
}

export function errorPage(l: PageLanguage, status: number, message: string): string {
  const m = l.m.error;
  return layout(l, m.title, html`<h1>${status === 404 ? m.notFound : m.failed}</h1>
<p role="alert">${message}</p>
<p><a href="${l.href('/account')}">${l.m.common.goToAccount}</a></p>`);
}
