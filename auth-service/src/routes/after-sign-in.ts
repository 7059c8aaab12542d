import type { BrowserSession } from '../services/browser-accounts.js';

/**
 * Where a sign-in goes next: `returnTo`, and when that is this service's own `/authorize` (an app's sign-in
 * request), with the account just signed in to as its `login_hint`, so the request continues with that account
 * and not the browser's default. One rule for every way of signing in: password, second step, passkey.
 */
export function createAfterSignIn(issuer: string): (returnTo: string, account: BrowserSession) => string {
  const authorizeEndpoint = new URL('/authorize', issuer).href;
  return (returnTo, account) => {
    const url = new URL(returnTo);
    if (`${url.origin}${url.pathname}` !== authorizeEndpoint) return returnTo;
    url.searchParams.set('login_hint', account.view.user.id);
    return url.href;
  };
}
