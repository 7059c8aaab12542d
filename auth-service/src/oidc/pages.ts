import type { Response } from 'express';
import { html } from '../views/html.js';
import { layout } from '../views/pages.js';

/**
 * The error page for requests that must not redirect: unknown client, unregistered redirect URI, bad sign-out
 * request. Redirecting there would turn the provider into an open redirector.
 */
export function sendErrorPage(res: Response, title: string, message: string): void {
  res.status(400).type('html').send(layout(title, html`<h1>${title}</h1>\n<p role="alert">${message}</p>`));
}

export function sendSignedOutPage(res: Response): void {
  res.type('html').send(layout('Signed out', html`<h1>You are signed out</h1>\n<p><a href="/login">Sign in again</a></p>`));
}

/** Asks before signing out when the request cannot prove it comes from the signed-in user's own app. */
export function sendConfirmSignOutPage(res: Response, fields: Record<string, string | undefined>, appName: string | undefined): void {
  const hidden = Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">\n`);
  res.type('html').send(
    layout(
      'Sign out',
      html`<h1>Sign out?</h1>
<p>${appName ? `${appName} asks to sign you out of your account.` : 'An application asks to sign you out of your account.'}</p>
<form method="post" action="/end_session">
${hidden}<input type="hidden" name="confirm" value="yes">
  <button type="submit">Sign out</button>
</form>`,
    ),
  );
}
