/**
 * For server-rendered hosts (served by the account service as `/userbox-host-sync.js`): keeps the page the server
 * rendered in step with the box on it. The server knows the user from its own session and names them on the page
 * (`<body data-user-sub="…">`, empty when signed out); the box asks the service itself. When the two disagree
 * because something happened in the box:
 * - the box shows a user the server does not know (signed in through the box's **Sign in**, or in another app):
 *   the page asks its server to sign in silently, at the host's `/login?prompt=none&return_to=<path>`, once per
 *   user and tab, so this cannot loop. After a switch in the box (`userbox-switch`, or token mode's return from
 *   its bounce) it adds `login_hint=<user.id>` (the OIDC `sub`), so the server follows the account the user
 *   chose, where `prompt=none` alone lets the service pick the app's last one;
 * - the box shows the server's user under another name (changed on the account page, or in another app; a host
 *   that learns of sign-outs by back-channel logout no longer asks the service on every page): with
 *   `<body data-user-name="…">` the page has its server sign in again silently as that account, once per name and
 *   tab, so the name it renders follows;
 * - the box signed out here, or found the user gone (signed out in another tab or app): the page reloads, and the
 *   server's own check agrees.
 *
 * ```html
 * <script type="module" src="https://accounts.example.com/userbox-host-sync.js"></script>
 * ```
 * @module
 */
import type { UserboxEventMap } from './user-box.js';

const serverSub = document.body.dataset['userSub'] ?? '';
/** The name the server rendered, if the page says (undefined: it does not, and names are not compared). */
const serverName = document.body.dataset['userName'];
let boxHadUser = false;
/** The box's user was chosen by the user (a switch in this page, or token mode's return from one). */
let switched = false;

document.body.addEventListener('userbox-switch', () => (switched = true));

// The box's events bubble and are composed: they reach the body from wherever the box is on the page.
document.body.addEventListener('userbox-change', (event: UserboxEventMap['userbox-change']) => {
  const user = event.detail.user;
  // Set when the user switches, before the box leaves or changes the account (account-list.ts; token mode's client).
  if (sessionStorage.getItem('userbox:switched')) {
    sessionStorage.removeItem('userbox:switched');
    switched = true;
  }
  const renamed = user && user.id === serverSub && serverName !== undefined && user.name !== serverName;
  if (user && (user.id !== serverSub || renamed)) {
    const key = 'userbox-host-sync-tried';
    const attempt = `${user.id} ${user.name}`;
    if (sessionStorage.getItem(key) === attempt) return;
    sessionStorage.setItem(key, attempt);
    // After a switch (or for a new name of the same account) the server follows the box's account; otherwise the
    // service picks (the app's last one), so a switch made through the host's own chooser is not undone by a box
    // that still holds the account before.
    const hint = switched || renamed ? `&login_hint=${encodeURIComponent(user.id)}` : '';
    location.assign(`/login?prompt=none${hint}&return_to=${encodeURIComponent(location.pathname)}`);
  } else if (!user && boxHadUser && serverSub) {
    location.reload();
  }
  boxHadUser ||= Boolean(user);
});

document.body.addEventListener('userbox-signout', () => location.reload());
