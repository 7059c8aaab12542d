import { html } from './html.js';
import type { PageLanguage } from './language.js';
import { layout } from './pages.js';

function hiddenFields(l: PageLanguage, csrf: string, token: string) {
  return html`<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="token" value="${token}">${l.field}`;
}

/** What a followed link shows first: one button, so a mail scanner that opens links confirms nothing. */
export function confirmEmailPage(l: PageLanguage, opts: { email: string; token: string; csrf: string }): string {
  const m = l.m.verifyEmail;
  return layout(
    l,
    m.confirmTitle,
    html`<h1>${m.confirmTitle}</h1>
<p>${m.confirmBody(opts.email)}</p>
<form method="post" action="/verify-email">
  ${hiddenFields(l, opts.csrf, opts.token)}
  <button type="submit">${m.confirmButton}</button>
</form>`,
  );
}

export function emailConfirmedPage(l: PageLanguage, email: string): string {
  const m = l.m.verifyEmail;
  return layout(l, m.doneTitle, html`<h1>${m.doneTitle}</h1>
<p role="status" class="notice">${m.doneBody(email)}</p>
<p><a href="${l.href('/account')}">${l.m.common.goToAccount}</a></p>`);
}

/** A used, expired, replaced or foreign link: why, and what to do next. */
export function linkRefusedPage(l: PageLanguage, message: string): string {
  const m = l.m.verifyEmail;
  return layout(l, m.refusedTitle, html`<h1>${m.refusedTitle}</h1>
<p role="alert" class="error">${message}</p>
<p class="hint">${m.refusedAgain}</p>
<p><a href="${l.href('/account')}">${l.m.common.goToAccount}</a></p>`);
}
