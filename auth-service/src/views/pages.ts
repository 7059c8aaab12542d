import { minPasswordLength } from '../services/password-policy.js';
import type { SessionSummary, SessionView } from '../services/sessions.js';
import type { TotpEnrolment, TwoStepStatus } from '../services/two-step.js';
import type { PasskeySummary } from '../services/passkeys.js';
import { html, SafeHtml } from './html.js';

/** The frame of every page the service renders itself (login, account, provider pages). */
export function layout(title: string, body: SafeHtml, wide = false): string {
  return html`<!doctype html>
<html lang="en">
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
const passkeySignIn = html`<div class="passkey-sign-in" data-passkey-sign-in hidden>
  <button type="button" class="secondary" id="passkey-sign-in">Use a passkey</button>
  <p class="error" role="alert" id="passkey-error" hidden></p>
</div>
<script src="/assets/simplewebauthn-browser.js" defer></script><script src="/assets/passkeys.js" defer></script>`;

/**
 * The sign-in form. `add`: "Add another account" mode, for a browser that is already signed in; it says so, and
 * shows nothing about the accounts already there (anyone at the browser can open it).
 */
export function loginPage(opts: { returnTo: string; csrf: string; add?: boolean; email?: string; error?: string }): string {
  const title = opts.add ? 'Add another account' : 'Sign in';
  return layout(
    title,
    html`<h1>${title}</h1>
${opts.add ? html`<p class="hint">Sign in to one more account. The accounts already signed in on this browser stay signed in.</p>` : ''}
${alert(opts.error, 'login-error')}
<form method="post" action="/login">
  ${hidden('return_to', opts.returnTo)}${hidden('csrf', opts.csrf)}${opts.add ? hidden('add', '1') : ''}${timeZoneField}
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username webauthn" required value="${opts.email ?? ''}" ${opts.email ? '' : html`autofocus`}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required ${opts.email ? html`autofocus` : ''}>
  <button type="submit">Sign in</button>
</form>
<p class="aside"><a href="/forgot-password">Forgot password?</a></p>
${passkeySignIn}
<p class="aside">No account yet? <a href="/signup?return_to=${encodeURIComponent(opts.returnTo)}">Create one</a></p>`,
  );
}

/** After the password, when two-step verification is on: the code (or a recovery code). */
/** The second step of a sign-in; `add` carries "Add another account" mode over from the password. */
export function secondStepPage(opts: { returnTo: string; csrf: string; add?: boolean; error?: string }): string {
  return layout(
    'Two-step verification',
    html`<h1>Two-step verification</h1>
${alert(opts.error, 'second-step-error')}
<form method="post" action="/login/second-step">
  ${hidden('return_to', opts.returnTo)}${hidden('csrf', opts.csrf)}${opts.add ? hidden('add', '1') : ''}${timeZoneField}
  <label for="code">Code from your authenticator app</label>
  <input id="code" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="32" required autofocus aria-describedby="code-hint">
  <p class="hint" id="code-hint">No access to your app? Enter one of your recovery codes instead.</p>
  <button type="submit">Verify</button>
</form>
<p class="aside"><a href="/login?return_to=${encodeURIComponent(opts.returnTo)}${opts.add ? '&add=1' : ''}">Start again</a></p>`,
  );
}

export function signupPage(opts: { returnTo: string; csrf: string; email?: string; name?: string; error?: string }): string {
  return layout(
    'Create your account',
    html`<h1>Create your account</h1>
${alert(opts.error, 'signup-error')}
<form method="post" action="/signup">
  ${hidden('return_to', opts.returnTo)}${hidden('csrf', opts.csrf)}${timeZoneField}
  <label for="name">Name</label>
  <input id="name" name="name" autocomplete="name" required maxlength="80" value="${opts.name ?? ''}" autofocus>
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="email" required value="${opts.email ?? ''}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="new-password" required minlength="${minPasswordLength}" aria-describedby="password-hint">
  <p class="hint" id="password-hint">At least ${minPasswordLength} characters, not one of the most common passwords.</p>
  <button type="submit">Create account</button>
</form>
<p class="aside">Already have an account? <a href="/login?return_to=${encodeURIComponent(opts.returnTo)}">Sign in</a></p>`,
  );
}

const doneMessages: Record<string, string> = {
  profile: 'Your profile was saved.',
  'verification-sent': 'We sent you a new link. Follow it to confirm your address.',
  'email-change-sent': 'We sent a link to the new address. Your email changes once you follow it.',
  'email-verified': 'Your email address is confirmed.',
  password: 'Your password was changed. Your other sessions were signed out.',
  session: 'That session was signed out.',
  'two-step-off': 'Two-step verification is off.',
  'passkey-added': 'Your passkey was added.',
  'password-removed': 'Your password was removed: you sign in with passkeys only. Your other sessions were signed out.',
  'password-set': 'Your password was set. Your other sessions were signed out.',
  'passkey-renamed': 'Your passkey was renamed.',
  'passkey-deleted': 'Your passkey was deleted.',
};

/** The account page's forms, each of which can show an error beside it. */
export type AccountForm = 'profile' | 'password' | 'verification' | 'email' | 'delete' | 'two-step' | 'passkeys';

/** The words of the account page's data and leaving sections, and of the page after leaving. */
const leavingMessages = {
  dataHeading: 'Your data',
  dataBody: 'Download everything the service holds about you, as JSON.',
  download: 'Download your data',
  deleteHeading: 'Delete the account',
  deleteBody: 'This deletes your account, signs you out everywhere and cannot be undone.',
  password: 'Password to confirm the deletion',
  delete: 'Delete my account',
  goneTitle: 'Your account was deleted',
  goneBody: 'Your account and everything about it were deleted. A last mail confirms it.',
  goneNext: 'Create a new account',
} as const;

export function accountDeletedPage(): string {
  const m = leavingMessages;
  return layout(m.goneTitle, html`<h1>${m.goneTitle}</h1>
<p role="status" class="notice">${m.goneBody}</p>
<p><a href="/signup">${m.goneNext}</a></p>`);
}

/** The words of the account page's email sections (for the later translations). */
const emailMessages = {
  verifyHeading: 'Verify your email',
  verifyBody: (email: string) => `${email} is not confirmed yet. Follow the link we mailed you, or ask for a new one.`,
  resend: 'Send a new link',
  verified: 'Confirmed',
  unverified: 'Not confirmed',
  changeHeading: 'Email',
  newEmail: 'New email',
  password: 'Password to confirm the change',
  change: 'Change email',
  changeHint: 'We send a link to the new address; nothing changes until it is followed.',
} as const;

function passwordSection(email: string, csrf: string, account: SafeHtml, error: SafeHtml | string, hasPasskeys: boolean) {
  return html`<section aria-labelledby="password-heading">
  <h2 id="password-heading">Password</h2>
  ${error}
  <form method="post" action="/account/password">
    ${hidden('csrf', csrf)}${account}
    <input type="hidden" name="username" autocomplete="username" value="${email}">
    <label for="current-password">Current password</label>
    <input id="current-password" name="current_password" type="password" autocomplete="current-password" required>
    <label for="new-password">New password</label>
    <input id="new-password" name="new_password" type="password" autocomplete="new-password" required minlength="${minPasswordLength}" aria-describedby="new-password-hint">
    <p class="hint" id="new-password-hint">At least ${minPasswordLength} characters, not one of the most common passwords.</p>
    <button type="submit">Change password</button>
  </form>
  ${hasPasskeys
    ? html`<form method="post" action="/account/password/remove">
    ${hidden('csrf', csrf)}${account}
    <input type="hidden" name="username" autocomplete="username" value="${email}">
    <p class="hint">You have a passkey: you may sign in with passkeys only. Your other sessions are then signed out.</p>
    <label for="remove-password-current">Your password, to remove it</label>
    <input id="remove-password-current" name="current_password" type="password" autocomplete="current-password" required>
    <button type="submit" class="danger">Remove password</button>
  </form>`
    : ''}
</section>`;
}

/** An account with passkeys only: no password to change, one may be set after a recent sign-in. */
function passwordlessSection(email: string, csrf: string, account: SafeHtml, error: SafeHtml | string) {
  return html`<section aria-labelledby="password-heading">
  <h2 id="password-heading">Password</h2>
  ${error}
  <p class="hint">You sign in with passkeys only.</p>
  <form method="post" action="/account/password/set">
    ${hidden('csrf', csrf)}${account}
    <input type="hidden" name="username" autocomplete="username" value="${email}">
    <label for="new-password">New password</label>
    <input id="new-password" name="new_password" type="password" autocomplete="new-password" required minlength="${minPasswordLength}" aria-describedby="new-password-hint">
    <p class="hint" id="new-password-hint">At least ${minPasswordLength} characters. Within ten minutes of signing in with your passkey.</p>
    <button type="submit">Set a password</button>
  </form>
</section>`;
}

function passkeysSection(list: readonly PasskeySummary[], csrf: string, handle: string, error: SafeHtml | string) {
  const account = hidden('account', handle);
  return html`<section aria-labelledby="passkeys-heading">
  <h2 id="passkeys-heading">Passkeys</h2>
  ${error}
  <p class="hint">Sign in with your fingerprint, face or screen lock instead of your password.</p>
  ${list.length === 0 ? html`<p class="hint" id="no-passkeys">No passkeys yet.</p>` : ''}
  <ul class="sessions passkeys" aria-label="Your passkeys">
    ${list.map(
      (p) => html`<li>
      <div><strong>${p.name}</strong>${p.synced ? html` <span class="badge">Synced</span>` : ''}</div>
      <div class="hint">Added ${formatTime(p.createdAt)} · ${p.lastUsedAt ? html`last used ${formatTime(p.lastUsedAt)}` : 'never used'}</div>
      <form method="post" action="/account/passkeys/${p.id}/delete">
        ${hidden('csrf', csrf)}${account}
        <button type="submit" class="secondary" aria-label="Delete passkey ${p.name}">Delete</button>
      </form>
      <form method="post" action="/account/passkeys/${p.id}/rename" class="rename">
        ${hidden('csrf', csrf)}${account}
        <label for="rename-${p.id}">New label for ${p.name}</label>
        <input id="rename-${p.id}" name="name" required maxlength="60" value="${p.name}">
        <button type="submit" class="secondary" aria-label="Rename passkey ${p.name}">Rename</button>
      </form>
    </li>`,
    )}
  </ul>
  <form data-passkey-add data-account="${handle}" hidden>
    <label for="passkey-name">Label for a new passkey</label>
    <input id="passkey-name" name="name" required maxlength="60" placeholder="Phone, laptop …">
    <button type="submit">Add a passkey</button>
    <p class="error" role="alert" id="passkey-error" hidden></p>
  </form>
  <script src="/assets/simplewebauthn-browser.js" defer></script><script src="/assets/passkeys.js" defer></script>
</section>`;
}

/** Fresh proof for a two-step change: a code from the app (or a recovery code), or the password. */
function proofFields(prefix: string, email: string) {
  return html`<input type="hidden" name="username" autocomplete="username" value="${email}">
    <label for="${prefix}-code">Code from your app</label>
    <input id="${prefix}-code" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="32">
    <label for="${prefix}-password">or your password</label>
    <input id="${prefix}-password" name="password" type="password" autocomplete="current-password">`;
}

function twoStepSection(status: TwoStepStatus, csrf: string, account: SafeHtml, email: string, error: SafeHtml | string) {
  if (!status.enabled) {
    return html`<section aria-labelledby="two-step-heading">
  <h2 id="two-step-heading">Two-step verification</h2>
  ${error}
  <p class="hint">Off. With it on, signing in with your password also asks for a code from an authenticator app.</p>
  <form method="post" action="/account/two-step/setup">
    ${hidden('csrf', csrf)}${account}
    <button type="submit">Turn on two-step verification</button>
  </form>
</section>`;
  }
  return html`<section aria-labelledby="two-step-heading">
  <h2 id="two-step-heading">Two-step verification</h2>
  ${error}
  <p class="hint">On. ${status.recoveryCodesLeft} of 10 recovery codes left.</p>
  <form method="post" action="/account/two-step/recovery-codes">
    ${hidden('csrf', csrf)}${account}${proofFields('recovery', email)}
    <button type="submit" class="secondary">Make new recovery codes</button>
  </form>
  <form method="post" action="/account/two-step/disable">
    ${hidden('csrf', csrf)}${account}${proofFields('disable', email)}
    <button type="submit" class="danger">Turn off two-step verification</button>
  </form>
</section>`;
}

/**
 * Setting up the authenticator app: the QR code (server-rendered SVG markup, no inline style, so the strict CSP
 * holds), the secret as text for typing, and the first code that confirms it.
 */
export function twoStepSetupPage(opts: { enrolment: TotpEnrolment; qrSvg: string; account: string; csrf: string; error?: string }): string {
  // qrcode's SVG is made of path data computed from the URI, never the URI's text: safe markup to embed.
  const qr = new SafeHtml(opts.qrSvg);
  return layout(
    'Turn on two-step verification',
    html`<h1>Turn on two-step verification</h1>
${alert(opts.error, 'setup-error')}
<p>Scan this code with your authenticator app, or enter the key by hand.</p>
<figure class="qr" role="img" aria-label="QR code for your authenticator app">${qr}</figure>
<p class="hint">Key: <code id="totp-secret">${opts.enrolment.secret}</code></p>
<form method="post" action="/account/two-step/confirm">
  ${hidden('csrf', opts.csrf)}${hidden('account', opts.account)}
  <label for="code">Code from the app</label>
  <input id="code" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="6" required autofocus>
  <button type="submit">Turn on</button>
</form>
<p class="aside"><a href="/account?account=${encodeURIComponent(opts.account)}">Cancel</a></p>`,
  );
}

/** New recovery codes, shown this once. */
export function recoveryCodesPage(opts: { codes: readonly string[]; turnedOn: boolean; account: string }): string {
  return layout(
    'Your recovery codes',
    html`<h1>Your recovery codes</h1>
${opts.turnedOn ? html`<p class="notice" role="status">Two-step verification is on.</p>` : ''}
<p>Keep these somewhere safe. Each one signs you in once if you cannot use your app. They are shown only now.</p>
<ul class="recovery-codes" aria-label="Recovery codes">
  ${opts.codes.map((c) => html`<li><code>${c}</code></li>`)}
</ul>
<p><a href="/account?account=${encodeURIComponent(opts.account)}">Back to your account</a></p>`,
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

export function accountPage(opts: {
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
  const account = hidden('account', me.session.id);
  const done = opts.done ? doneMessages[opts.done] : undefined;
  const errorFor = (form: AccountForm) =>
    opts.error?.form === form ? alert(opts.error.message, `${form}-error`) : '';
  return layout(
    'Your account',
    html`<h1>Your account</h1>
${done ? html`<p class="notice" role="status">${done}</p>` : ''}
<section aria-labelledby="profile-heading">
  <h2 id="profile-heading">Profile</h2>
  ${errorFor('profile')}
  <form method="post" action="/account/profile">
    ${hidden('csrf', csrf)}${account}
    <label for="name">Name</label>
    <input id="name" name="name" autocomplete="name" required maxlength="80" value="${me.user.name}">
    <label for="picture">Picture URL (https)</label>
    <input id="picture" name="picture" type="url" inputmode="url" maxlength="2048" placeholder="https://…" value="${me.user.picture ?? ''}">
    <button type="submit">Save profile</button>
  </form>
</section>
${me.user.emailVerified
  ? ''
  : html`<section aria-labelledby="verify-heading">
  <h2 id="verify-heading">${emailMessages.verifyHeading}</h2>
  ${errorFor('verification')}
  <p>${emailMessages.verifyBody(me.user.email)}</p>
  <form method="post" action="/account/verification">
    ${hidden('csrf', csrf)}${account}
    <button type="submit" class="secondary">${emailMessages.resend}</button>
  </form>
</section>`}
<section aria-labelledby="email-heading">
  <h2 id="email-heading">${emailMessages.changeHeading}</h2>
  ${errorFor('email')}
  <p>${me.user.email} <span class="badge">${me.user.emailVerified ? emailMessages.verified : emailMessages.unverified}</span></p>
  <form method="post" action="/account/email">
    ${hidden('csrf', csrf)}${account}
    <input type="hidden" name="username" autocomplete="username" value="${me.user.email}">
    <label for="new-email">${emailMessages.newEmail}</label>
    <input id="new-email" name="new_email" type="email" autocomplete="email" required aria-describedby="new-email-hint">
    <label for="email-password">${emailMessages.password}</label>
    <input id="email-password" name="password" type="password" autocomplete="current-password" required>
    <p class="hint" id="new-email-hint">${emailMessages.changeHint}</p>
    <button type="submit">${emailMessages.change}</button>
  </form>
</section>
${opts.hasPassword
  ? passwordSection(me.user.email, csrf, account, errorFor('password'), opts.passkeys.length > 0)
  : passwordlessSection(me.user.email, csrf, account, errorFor('password'))}
${passkeysSection(opts.passkeys, csrf, me.session.id, errorFor('passkeys'))}
${twoStepSection(opts.twoStep, csrf, account, me.user.email, errorFor('two-step'))}
<section aria-labelledby="accounts-heading">
  <h2 id="accounts-heading">Accounts on this browser</h2>
  <ul class="sessions account-list">
    ${opts.accounts.map(
      (a) => html`<li>
      <div>${a.current ? html`<strong>${a.name}</strong> <span class="badge">Shown here</span>` : html`<a href="/account?account=${encodeURIComponent(a.handle)}" aria-label="Switch to ${a.name} (${a.email})">${a.name}</a>`}</div>
      <div class="hint">${a.email}</div>
      <form method="post" action="/logout">
        ${hidden('csrf', csrf)}${hidden('account', a.handle)}
        <button type="submit" class="secondary" aria-label="Sign out of ${a.name} (${a.email})">Sign out</button>
      </form>
    </li>`,
    )}
  </ul>
  <p><a href="${opts.addHref}">Add another account</a></p>
  <form method="post" action="/logout">
    ${hidden('csrf', csrf)}
    <button type="submit" class="secondary">Sign out of all accounts</button>
  </form>
</section>
<section aria-labelledby="sessions-heading">
  <h2 id="sessions-heading">Where you are signed in</h2>
  <ul class="sessions">
    ${sessions.map(
      (s) => html`<li>
      <div><strong>${s.device}</strong>${s.current ? html` <span class="badge">This device</span>` : ''}</div>
      <div class="hint">Signed in ${s.place ? html`in ${s.place} ` : ''}from ${s.ip || 'unknown address'} · last active ${formatTime(s.lastSeenAt)}</div>
      <form method="post" action="/account/sessions/${s.id}/revoke">
        ${hidden('csrf', csrf)}${account}
        <button type="submit" class="secondary" aria-label="Sign out ${s.device}${s.current ? ' (this device)' : ''}">Sign out</button>
      </form>
    </li>`,
    )}
  </ul>
  <form method="post" action="/account/sessions/revoke-all">
    ${hidden('csrf', csrf)}${account}
    <button type="submit" class="danger">Sign out everywhere</button>
  </form>
</section>
<section aria-labelledby="data-heading">
  <h2 id="data-heading">${leavingMessages.dataHeading}</h2>
  <p>${leavingMessages.dataBody}</p>
  <p><a href="/api/me/export" download>${leavingMessages.download}</a></p>
</section>
<section aria-labelledby="delete-heading">
  <h2 id="delete-heading">${leavingMessages.deleteHeading}</h2>
  ${errorFor('delete')}
  <p>${leavingMessages.deleteBody}</p>
  <form method="post" action="/account/delete">
    ${hidden('csrf', csrf)}${account}
    <input type="hidden" name="username" autocomplete="username" value="${me.user.email}">
    <label for="delete-password">${leavingMessages.password}</label>
    <input id="delete-password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit" class="danger">${leavingMessages.delete}</button>
  </form>
</section>`,
    true,
  );
}

export function errorPage(status: number, message: string): string {
  return layout('Error', html`<h1>${status === 404 ? 'Not found' : 'Something went wrong'}</h1>
<p role="alert">${message}</p>
<p><a href="/account">Go to your account</a></p>`);
}
