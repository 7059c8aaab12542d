import { html } from './html.js';
import { layout } from './pages.js';

/** The provider's page for a sign-in or sign-out request it refuses (sent with 400, never a redirect). */
export function requestErrorPage(title: string, message: string): string {
  return layout(title, html`<h1>${title}</h1>\n<p role="alert">${message}</p>`);
}

export function signedOutPage(): string {
  return layout('Signed out', html`<h1>You are signed out</h1>\n<p><a href="/login">Sign in again</a></p>`);
}

/** Asks before signing out when the request cannot prove it comes from the signed-in user's own app. */
export function confirmSignOutPage(fields: Record<string, string | undefined>, appName: string | undefined): string {
  const hidden = Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">\n`);
  return layout(
    'Sign out',
    html`<h1>Sign out?</h1>
<p>${appName ? `${appName} asks to sign you out of your account.` : 'An application asks to sign you out of your account.'}</p>
<form method="post" action="/end_session">
${hidden}<input type="hidden" name="confirm" value="yes">
  <button type="submit">Sign out</button>
</form>`,
  );
}

/**
 * `prompt=select_account`, or several accounts and nothing to choose by: one link per account of this browser
 * (each continues the request with that account), and "Use another account" (the sign-in page in add mode).
 */
export function accountChooserPage(opts: { appName: string; accounts: Array<{ name: string; email: string; href: string }>; another: string }): string {
  return layout(
    'Choose an account',
    html`<h1>Choose an account</h1>
<p id="chooser-purpose">to continue to ${opts.appName}</p>
<ul class="accounts" aria-label="Accounts signed in on this browser">
${opts.accounts.map(
  (a) => html`  <li><a class="account" href="${a.href}"><span class="account-name">${a.name}</span> <span class="account-email">${a.email}</span></a></li>\n`,
)}</ul>
<p><a class="account another" href="${opts.another}">Use another account</a></p>`,
  );
}
