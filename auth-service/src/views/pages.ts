import type { SessionView } from '../services/sessions.js';
import { html, type SafeHtml } from './html.js';

function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Userbox</title>
<link rel="stylesheet" href="/assets/service.css">
</head>
<body>
<main class="card">
${body}
</main>
</body>
</html>
`.value;
}

export function loginPage(opts: { returnTo: string; email?: string; error?: string }): string {
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
${opts.error ? html`<p class="error" role="alert" id="login-error">${opts.error}</p>` : ''}
<form method="post" action="/login" ${opts.error ? html`aria-describedby="login-error"` : ''}>
  <input type="hidden" name="return_to" value="${opts.returnTo}">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${opts.email ?? ''}" ${opts.email ? '' : html`autofocus`}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required ${opts.email ? html`autofocus` : ''}>
  <button type="submit">Sign in</button>
</form>`,
  );
}

export function accountPage(me: SessionView): string {
  return layout(
    'Your account',
    html`<h1>Your account</h1>
<dl>
  <dt>Name</dt><dd>${me.user.name}</dd>
  <dt>Email</dt><dd>${me.user.email}</dd>
</dl>
<form method="post" action="/logout">
  <button type="submit">Sign out</button>
</form>`,
  );
}
