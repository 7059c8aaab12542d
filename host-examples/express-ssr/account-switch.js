// Follows a switch of account in the box: when the user picks another account there, the box fires
// `userbox-switch` with `detail: { user }` (`user.id` is the account's OIDC `sub`), and this page asks its server
// to sign in as that account (`/login?login_hint=<sub>`), so the name the server renders follows. The service
// answers at once when that account is signed in there, so this cannot loop. Served by this host (CSP
// `script-src 'self'`); any server-rendered host can copy it.
document.body.addEventListener('userbox-switch', (event) => {
  const user = /** @type {CustomEvent<{ user: { id: string } | null }>} */ (event).detail?.user;
  if (!user?.id || user.id === document.body.dataset['userSub']) return;
  const here = location.pathname + location.search;
  location.assign(`/login?login_hint=${encodeURIComponent(user.id)}&return_to=${encodeURIComponent(here)}`);
});
