import { SessionClient } from './session-client.js';

const clients = new Map<string, SessionClient>();

/**
 * The one client per service origin for this page, so many boxes make one request. This is where the page's
 * events reach it: tabs of the same origin keep each other current through a BroadcastChannel named after the
 * service, and a tab that comes back (visibilitychange, focus) asks again, which is how apps on other origins of
 * the site (out of the channel's reach) catch up with a sign-out elsewhere.
 */
export function sharedSessionClient(serviceUrl: string): SessionClient {
  const origin = new URL(serviceUrl).origin;
  let client = clients.get(origin);
  if (!client) {
    const created = new SessionClient(origin, undefined, new BroadcastChannel(`userbox ${origin}`));
    const wake = () => document.visibilityState === 'visible' && void created.refresh();
    document.addEventListener('visibilitychange', wake);
    addEventListener('focus', wake);
    clients.set(origin, (client = created));
  }
  return client;
}
