import { keptViewKey, ViewKeeper } from './kept-view.js';
import { SessionClient } from './session-client.js';
import type { TokenModeOptions } from './token-session-client.js';

/** What a box asks of its session client: the box's `mode`, `client-id`, `redirect-uri` and `view-max-age`. */
export interface SessionOptions extends TokenModeOptions {
  /** `cookie`, `token`, or undefined to choose by site (see `usesTokens`). */
  mode?: 'cookie' | 'token' | undefined;
  /** Seconds a kept view is shown without asking (0: keep nothing). */
  viewMaxAge: number;
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

/** The site's `userbox_sync` cookie ('' when there is none). It names nobody: 9 random bytes. */
const syncSignal = (): string => /\buserbox_sync=([^;]*)/.exec(document.cookie)?.[1] ?? '';

/**
 * The service rotates the `userbox_sync` cookie of the whole site at every sign-in, sign-out and profile change:
 * tabs of the site's other origins (out of the channel's reach) see it change within half a second.
 */
function askWhenSyncCookieChanges(refresh: () => void): void {
  const signal = syncSignal;
  let seen = signal();
  setInterval(() => seen !== (seen = signal()) && refresh(), 500);
}

/**
 * A client for `service`: with `token` options in token mode, a chunk of its own that only pages that need it
 * load (from beside the element's chunk); else in cookie mode.
 */
function createClient(service: string, token: TokenModeOptions | undefined, keeper: ViewKeeper): SessionClient | Promise<SessionClient> {
  // Tabs of the same origin keep each other current through a channel named after the service.
  const channel = new BroadcastChannel(`userbox ${service}`);
  return token
    ? import('./token-session-client.js').then(
        (module) => new module.TokenSessionClient(service, token, undefined, channel, undefined, keeper),
        // Unreachable: a client that reports it like any failed request (a warning, userbox-error, retries).
        (error: Error) => new SessionClient(service, () => Promise.reject(error), channel, keeper),
      )
    : new SessionClient(service, undefined, channel, keeper);
}

/**
 * Where a box keeps its last view. Cookie mode: localStorage, so every tab and later visit of this origin
 * shares it, gated by the site-wide `userbox_sync` cookie. Token mode: sessionStorage (this tab only, like its
 * access token), gated by the token's life: another site cannot read the service's sync cookie.
 */
function createKeeper(service: string, token: boolean, maxAge: number): ViewKeeper {
  let storage: Storage | undefined;
  try {
    storage = token ? sessionStorage : localStorage;
  } catch {
    // Storage disabled: keep nothing.
  }
  const keeper = new ViewKeeper(storage, keptViewKey(service), token ? () => '' : syncSignal, maxAge * 1000);
  // A reload is the user asking for the page afresh: the box asks too (and shows a kept view only if that fails).
  keeper.askFirst = (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.type === 'reload';
  return keeper;
}

const clients = new Map<string, { client: SessionClient | Promise<SessionClient>; keeper: ViewKeeper }>();

/**
 * The one client per service and options for this page, so many boxes make one request, wired to the page's
 * events (`askWhenShown`, `askWhenSyncCookieChanges`), with its keeper, which the box reads at once to paint a
 * kept view in its first frame (a token-mode client arrives later, with its chunk). Token-mode boxes that differ
 * in client id or redirect URI get clients of their own.
 */
export function sharedSessionClient(
  serviceUrl: string,
  { mode, clientId, redirectUri, viewMaxAge }: SessionOptions,
): { client: SessionClient | Promise<SessionClient>; keeper: ViewKeeper } {
  const url = new URL(serviceUrl);
  const token = usesTokens(url, mode) ? { clientId, redirectUri } : undefined;
  const key = `${url.origin} ${viewMaxAge}` + (token ? ` ${clientId} ${redirectUri}` : '');
  let shared = clients.get(key);
  if (!shared) {
    const keeper = createKeeper(url.origin, !!token, viewMaxAge);
    const client = createClient(url.origin, token, keeper);
    const when = (what: (c: SessionClient) => Promise<void>) => () => void Promise.resolve(client).then(what);
    // Shown again, it asks even with a trustworthy kept view: a session ended where this browser's sync cookie
    // could not change (another device, another site) shows at the next focus, as it always has. Focus is rare
    // beside page views, which are what the kept view spares.
    askWhenShown(when((c) => c.refresh()));
    askWhenSyncCookieChanges(when((c) => c.refresh()));
    clients.set(key, (shared = { client, keeper }));
  }
  return shared;
}
