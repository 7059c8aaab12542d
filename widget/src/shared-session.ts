import { SessionClient } from './session-client.js';

const clients = new Map<string, SessionClient | Promise<SessionClient>>();

/**
 * The site of a URL as cookies see it: scheme and registrable domain, guessed as the last two labels. Hosts
 * under a multi-label public suffix such as `co.uk`, and IPv4 addresses that share their last two numbers,
 * set `mode` on the box instead. (The guess is all the 10 KB budget allows; a public suffix list is 40 KB.)
 */
const site = ({ protocol, hostname }: URL | Location) => protocol + hostname.split('.').slice(-2).join('.');

/**
 * The one client per service origin for this page, so many boxes make one request. This is where the page's
 * events reach it: tabs of the same origin keep each other current through a BroadcastChannel named after the
 * service, and a tab that comes back (visibilitychange, focus) asks again, which is how apps on other origins of
 * the site (out of the channel's reach) catch up with a sign-out elsewhere.
 *
 * The box's attributes choose how it learns the user: `mode="cookie"` (the service's session cookie, for pages on
 * the service's site), `mode="token"` (OpenID Connect tokens, for pages on another site, where browsers withhold the
 * cookie; `client-id` and `redirect-uri` tune it), and without `mode` by comparing the two sites. Token mode is a
 * separate module the service serves, loaded only by pages that need it.
 */
export function sharedSessionClient(serviceUrl: string, box: Element): SessionClient | Promise<SessionClient> {
  const url = new URL(serviceUrl);
  let client = clients.get(url.origin);
  if (!client) {
    const channel = new BroadcastChannel(`userbox ${url.origin}`);
    client =
      (box.getAttribute('mode') ?? (site(url) === site(location) && 'cookie')) === 'cookie'
        ? new SessionClient(url.origin, undefined, channel)
        : (import(`${url.origin}/userbox-token.js`) as Promise<typeof import('./token-session-client.js')>).then(
            (module) => new module.TokenSessionClient(url.origin, box, undefined, channel),
            // Unreachable: a client that reports it like any failed request (a warning, userbox-error, retries).
            (error: Error) => new SessionClient(url.origin, () => Promise.reject(error), channel),
          );
    const refresh = () => void Promise.resolve(client!).then((c) => c.refresh());
    const wake = () => document.visibilityState === 'visible' && refresh();
    document.addEventListener('visibilitychange', wake);
    addEventListener('focus', wake);
    // The service rotates this cookie of the whole site at every sign-in and sign-out: tabs of the site's other
    // origins (out of the channel's reach) see it change within half a second, or when shown if the browser
    // has slowed a hidden tab's timers.
    const signal = () => /\buserbox_sync=([^;]*)/.exec(document.cookie)?.[1];
    let seen = signal();
    setInterval(() => seen !== (seen = signal()) && refresh(), 500);
    clients.set(url.origin, client);
  }
  return client;
}
