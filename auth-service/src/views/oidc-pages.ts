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
