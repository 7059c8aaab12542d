import { minPasswordLength } from '../services/password-policy.js';
import { html } from './html.js';
import { layout } from './pages.js';

/** The words of the password-reset pages, in one place (for the later translations). */
const messages = {
  forgot: {
    title: 'Forgot your password?',
    body: 'Enter the email of your account. We mail you a link to choose a new password.',
    email: 'Email',
    button: 'Send the link',
    back: 'Back to sign in',
  },
  sent: {
    title: 'Check your mail',
    body: 'If an account uses that address, a link to reset its password is on its way. It works once, for 30 minutes.',
    back: 'Back to sign in',
  },
  reset: {
    title: 'Choose a new password',
    password: 'New password',
    hint: `At least ${minPasswordLength} characters, not one of the most common passwords.`,
    button: 'Save the new password',
  },
  done: {
    title: 'Your password was changed',
    body: 'Every session of your account was signed out. Sign in with the new password.',
    next: 'Sign in',
  },
} as const;

function alert(message: string | undefined) {
  return message ? html`<p class="error" role="alert" id="reset-error">${message}</p>` : '';
}

export function forgotPasswordPage(opts: { csrf: string; email?: string; error?: string }): string {
  const m = messages.forgot;
  return layout(
    m.title,
    html`<h1>${m.title}</h1>
${alert(opts.error)}
<p>${m.body}</p>
<form method="post" action="/forgot-password">
  <input type="hidden" name="csrf" value="${opts.csrf}">
  <label for="email">${m.email}</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${opts.email ?? ''}" autofocus>
  <button type="submit">${m.button}</button>
</form>
<p class="aside"><a href="/login">${m.back}</a></p>`,
  );
}

/** The same page for every address, known or not. */
export function resetSentPage(): string {
  const m = messages.sent;
  return layout(m.title, html`<h1>${m.title}</h1>
<p role="status" class="notice">${m.body}</p>
<p class="aside"><a href="/login">${m.back}</a></p>`);
}

export function resetPasswordPage(opts: { csrf: string; token: string; email: string; error?: string }): string {
  const m = messages.reset;
  return layout(
    m.title,
    html`<h1>${m.title}</h1>
${alert(opts.error)}
<form method="post" action="/reset-password">
  <input type="hidden" name="csrf" value="${opts.csrf}">
  <input type="hidden" name="token" value="${opts.token}">
  <input type="hidden" name="username" autocomplete="username" value="${opts.email}">
  <label for="new-password">${m.password}</label>
  <input id="new-password" name="new_password" type="password" autocomplete="new-password" required minlength="${minPasswordLength}" aria-describedby="new-password-hint" autofocus>
  <p class="hint" id="new-password-hint">${m.hint}</p>
  <button type="submit">${m.button}</button>
</form>`,
  );
}

export function passwordResetDonePage(): string {
  const m = messages.done;
  return layout(m.title, html`<h1>${m.title}</h1>
<p role="status" class="notice">${m.body}</p>
<p><a href="/login">${m.next}</a></p>`);
}
