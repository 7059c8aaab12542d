import { minPasswordLength } from '../services/password-policy.js';
import { html } from './html.js';
import type { PageLanguage } from './language.js';
import { layout } from './pages.js';

function alert(message: string | undefined) {
  return message ? html`<p class="error" role="alert" id="reset-error">${message}</p>` : '';
}

export function forgotPasswordPage(l: PageLanguage, opts: { csrf: string; email?: string; error?: string }): string {
  const m = l.m.reset;
  return layout(
    l,
    m.forgotTitle,
    html`<h1>${m.forgotTitle}</h1>
${alert(opts.error)}
<p>${m.forgotBody}</p>
<form method="post" action="/forgot-password">
  <input type="hidden" name="csrf" value="${opts.csrf}">${l.field}
  <label for="email">${l.m.common.email}</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${opts.email ?? ''}" autofocus>
  <button type="submit">${m.send}</button>
</form>
<p class="aside"><a href="${l.href('/login')}">${l.m.common.backToSignIn}</a></p>`,
  );
}

/** The same page for every address, known or not. */
export function resetSentPage(l: PageLanguage): string {
  const m = l.m.reset;
  return layout(l, m.sentTitle, html`<h1>${m.sentTitle}</h1>
<p role="status" class="notice">${m.sentBody}</p>
<p class="aside"><a href="${l.href('/login')}">${l.m.common.backToSignIn}</a></p>`);
}

export function resetPasswordPage(l: PageLanguage, opts: { csrf: string; token: string; email: string; error?: string }): string {
  const m = l.m.reset;
  return layout(
    l,
    m.chooseTitle,
    html`<h1>${m.chooseTitle}</h1>
${alert(opts.error)}
<form method="post" action="/reset-password">
  <input type="hidden" name="csrf" value="${opts.csrf}">${l.field}
  <input type="hidden" name="token" value="${opts.token}">
  <input type="hidden" name="username" autocomplete="username" value="${opts.email}">
  <label for="new-password">${l.m.common.newPassword}</label>
  <input id="new-password" name="new_password" type="password" autocomplete="new-password" required minlength="${minPasswordLength}" aria-describedby="new-password-hint" autofocus>
  <p class="hint" id="new-password-hint">${l.m.common.passwordHint(minPasswordLength)}</p>
  <button type="submit">${m.save}</button>
</form>`,
  );
}

export function passwordResetDonePage(l: PageLanguage): string {
  const m = l.m.reset;
  return layout(l, m.doneTitle, html`<h1>${m.doneTitle}</h1>
<p role="status" class="notice">${m.doneBody}</p>
<p><a href="${l.href('/login')}">${l.m.common.signIn}</a></p>`);
}
