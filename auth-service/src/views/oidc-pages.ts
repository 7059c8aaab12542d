import { html } from './html.js';
import type { PageLanguage } from './language.js';
import { layout } from './pages.js';

/** The provider's page for a sign-in or sign-out request it refuses (sent with 400, never a redirect). */
export function requestErrorPage(l: PageLanguage, title: string, message: string): string {
  return layout(l, title, html`<h1>${title}</h1>\n<p role="alert">${message}</p>`);
}

export function signedOutPage(l: PageLanguage): string {
  const m = l.m.provider;
  return layout(l, m.signedOutTitle, html`<h1>${m.signedOut}</h1>\n<p><a href="${l.href('/login')}">${m.signInAgain}</a></p>`);
}

/** Asks before signing out when the request cannot prove it comes from the signed-in user's own app. */
export function confirmSignOutPage(l: PageLanguage, fields: Record<string, string | undefined>, appName: string | undefined): string {
  const m = l.m.provider;
  const hidden = Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">\n`);
  return layout(
    l,
    m.confirmTitle,
    html`<h1>${m.confirmHeading}</h1>
<p>${appName ? m.confirmApp(appName) : m.confirmUnknown}</p>
<form method="post" action="/end_session">
${hidden}${l.field}<input type="hidden" name="confirm" value="yes">
  <button type="submit">${l.m.common.signOut}</button>
</form>`,
  );
}

/**
 * `prompt=select_account`, or several accounts and nothing to choose by: one link per account of this browser
 * (each continues the request with that account), and "Use another account" (the sign-in page in add mode).
 */
export function accountChooserPage(l: PageLanguage, opts: { appName: string; accounts: Array<{ name: string; email: string; href: string }>; another: string }): string {
  const m = l.m.provider;
  return layout(
    l,
    m.chooserTitle,
    html`<h1>${m.chooserTitle}</h1>
<p id="chooser-purpose">${m.chooserPurpose(opts.appName)}</p>
<ul class="accounts" aria-label="${m.chooserList}">
${opts.accounts.map(
  (a) => html`  <li><a class="account" href="${a.href}"><span class="account-name">${a.name}</span> <span class="account-email">${a.email}</span></a></li>\n`,
)}</ul>
<p><a class="account another" href="${opts.another}">${m.another}</a></p>`,
  );
}
