import { SessionClient } from './session-client.js';
import type { TokenModeOptions } from './token-session-client.js';

/** What a box asks of its session client: the box's `mode`, `client-id` and `redirect-uri`. */
export interface SessionOptions extends TokenModeOptions {
  /** `cookie`, `token`, or undefined to choose by site (see `usesTokens`). */
  mode?: 'cookie' | 'token' | undefined;
}

/**
 * The site of a URL as cookies see it: scheme and registrable domain, guessed as the last two labels. Hosts
 * under a multi-label public suffix such as `co.uk`, and IPv4 addresses that share their last two numbers,
 * set `mode` on the box instead. (The guess is all the 10 KB budget allows; a public suffix list is 40 KB.)
 */
const site = ({ protocol, hostname }: URL | Location) => protocol + hostname.split('.').slice(-2).join('.');

/**
 * Token mode (OpenID Connect tokens) on another site than the service's, where browsers withhold its cookie as
 * third-party; cookie mode (the service's session cookie) on its own site. `mode` overrides the guess.
 */
const usesTokens = (service: URL, mode: SessionOptions['mode']): boolean =>
  (mode ?? (site(service) === site(location) ? 'cookie' : 'token')) !== 'cookie';

/**
 * A tab that comes back (visibilitychange, focus) asks again: that is how apps on other origins of the site
 * (out of the BroadcastChannel's reach) catch up with a sign-out elsewhere even when timers were slowed.
 */
function askWhenShown(refresh: () => void): void {
  const wake = () => document.visibilityState === 'visible' && refresh();
  document.addEventListener('visibilitychange', wake);
  addEventListener('focus', wake);
}

/**
 * The service rotates the `userbox_sync` cookie of the whole site at every sign-in and sign-out: tabs of the
 * site's other origins (out of the channel's reach) see it change within half a second.
 */
function askWhenSyncCookieChanges(refresh: () => void): void {
  const signal = () => /\buserbox_sync=([^;]*)/.exec(document.cookie)?.[1];
  let seen = signal();
  setInterval(() => seen !== (seen = signal()) && refresh(), 500);
}

/**
 * A client for `service`: with `token` options in token mode, a chunk of its own that only pages that need it
 * load (from beside the element's chunk); else in cookie mode.
 */
function createClient(service: string, token: TokenModeOptions | undefined): SessionClient | Promise<SessionClient> {
  // Tabs of the same origin keep each other current through a channel named after the service.
  const channel = new BroadcastChannel(`userbox ${service}`);
  return token
    ? import('./token-session-client.js').then(
        (module) => new module.TokenSessionClient(service, token, undefined, channel),
        // Unreachable: a client that reports it like any failed request (a warning, userbox-error, retries).
        (error: Error) => new SessionClient(service, () => Promise.reject(error), channel),
      )
    : new SessionClient(service, undefined, channel);
}

const clients = new Map<string, SessionClient | Promise<SessionClient>>();

/**
 * The one client per service and options for this page, so many boxes make one request, wired to the page's
 * events (`askWhenShown`, `askWhenSyncCookieChanges`). Token-mode boxes that differ in client id or redirect URI
 * get clients of their own.
 */
export function sharedSessionClient(serviceUrl: string, { mode, clientId, redirectUri }: SessionOptions): SessionClient | Promise<SessionClient> {
  const url = new URL(serviceUrl);
  const token = usesTokens(url, mode) ? { clientId, redirectUri } : undefined;
  const key = token ? `${url.origin} ${clientId} ${redirectUri}` : url.origin;
  let client = clients.get(key);
  if (!client) {
    const created = (client = createClient(url.origin, token));
    const refresh = () => void Promise.resolve(created).then((c) => c.refresh());
    askWhenShown(refresh);
    askWhenSyncCookieChanges(refresh);
    clients.set(key, created);
  }
  return client;
}
