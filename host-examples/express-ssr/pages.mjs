// @ts-check
// Server-rendered HTML. Every value from outside (the user's name and email, paths) goes through escapeHtml.

/** @param {unknown} value */
export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Sends a rendered page, never cached (it depends on who is signed in). @param {import('express').Response} res @param {number} status @param {string} html */
export function sendPage(res, status, html) {
  res.status(status).set('Cache-Control', 'no-store').type('html').send(html);
}

/**
 * @typedef {object} PageContext
 * @property {string} serviceUrl
 * @property {string} [boxClientId]  The client the box uses in token mode (see HostConfig).
 * @property {import('./userbox-client.mjs').UserInfo | null} user
 * @property {string} [notice]
 * @property {string} [path]  This page's path, where "Switch account" comes back to (default `/`).
 */

/** @param {string} title @param {string} main @param {PageContext} ctx */
function layout(title, main, { serviceUrl, boxClientId, user, notice, path = '/' }) {
  const service = escapeHtml(serviceUrl);
  // Signed out, the box offers Sign in (and pages their own link); signed in, this ends the host session too.
  // "Switch account" asks the service's account chooser, then this server signs in as the account chosen.
  const switchHref = `/login?prompt=select_account&return_to=${encodeURIComponent(path)}`;
  const account = user
    ? `<a class="switch" href="${escapeHtml(switchHref)}">Switch account</a>\n  <form method="post" action="/logout"><button type="submit">Sign out</button></form>\n  `
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Express SSR</title>
<link rel="stylesheet" href="/page.css">
<script type="module" src="${service}/userbox-host-sync.js"></script>
<script type="module" src="/account-switch.js"></script>
</head>
<body data-user-sub="${escapeHtml(user?.sub ?? '')}"${typeof user?.name === 'string' ? ` data-user-name="${escapeHtml(user.name)}"` : ''}>
<header>
  <a class="brand" href="/">Express SSR</a>
  <nav><a href="/">Home</a> <a href="/orders">Orders</a></nav>
  ${account}<script type="module" src="${service}/userbox.js"></script>
  <user-box${boxClientId ? ` client-id="${escapeHtml(boxClientId)}"` : ''}></user-box>
</header>
<main>
${notice ? `<p class="notice" role="status">${escapeHtml(notice)}</p>\n` : ''}${main}
</main>
</body>
</html>
`;
}

/** @param {PageContext} ctx */
export function homePage(ctx) {
  const hello = ctx.user ? `Hello, ${escapeHtml(ctx.user.name ?? ctx.user.email ?? 'there')}` : 'Hello, guest';
  const more = ctx.user
    ? `<p>The server learned who you are from the account service and keeps you signed in here until you sign out there, which the service tells it directly.</p>`
    : `<p>You are not signed in. <a href="/login?return_to=%2F">Sign in</a> to see your <a href="/orders">orders</a>.</p>`;
  return layout('Home', `<h1>${hello}</h1>\n${more}`, { path: '/', ...ctx });
}

/** Stand-in data: a real shop would look the orders up by `sub`. @param {PageContext & { user: import('./userbox-client.mjs').UserInfo }} ctx */
export function ordersPage(ctx) {
  const rows = [
    ['1042', 'Lamp, brass', '€89.00'],
    ['1017', 'Notebooks (3)', '€12.50'],
  ]
    .map(([id, item, total]) => `<tr><td>#${id}</td><td>${item}</td><td>${total}</td></tr>`)
    .join('\n');
  const who = escapeHtml(ctx.user.email ?? ctx.user.name ?? ctx.user.sub);
  return layout(
    'Orders',
    `<h1>Your orders</h1>
<p>Signed in as ${who}.</p>
<table>
<thead><tr><th>Order</th><th>Item</th><th>Total</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`,
    { path: '/orders', ...ctx },
  );
}

/** A page for browsers when something cannot go on; no details that could help an attacker. @param {string} title @param {string} message @param {PageContext} ctx */
export function errorPage(title, message, ctx) {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p role="alert">${escapeHtml(message)}</p>\n<p><a href="/">Back to the home page</a></p>`, ctx);
}

/** Signing out from a link on another site needs a click here first. @param {PageContext} ctx */
export function confirmSignOutPage(ctx) {
  return layout(
    'Sign out',
    `<h1>Sign out?</h1>\n<form method="post" action="/logout"><button type="submit">Sign out</button></form>`,
    ctx,
  );
}
