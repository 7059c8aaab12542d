import type { AppRegistry } from './apps.js';
import type { AppRecord } from '../store/apps-repository.js';
import { AppError } from '../errors.js';

/**
 * OAuth clients are the registered apps: `client_id` is the app id, redirect URIs match exactly, and every
 * client is public (PKCE, no secret), since the one that matters is the `<user-box>` widget in a browser.
 */
export function createClients(registry: AppRegistry) {
  const find = (clientId: string | undefined): AppRecord | undefined =>
    clientId === undefined ? undefined : registry.list().find((a) => a.id === clientId);

  return {
    find,

    /**
     * The client at `/token` and `/revoke` (public clients: `client_id` in the body, no secret). A browser must
     * call from one of the client's own origins; back ends send no `Origin`.
     */
    authenticate(clientId: string | undefined, origin: string | undefined): AppRecord {
      const client = find(clientId);
      if (!client) throw new AppError('INVALID_CLIENT', 'Unknown client_id.');
      if (origin !== undefined && !client.origins.includes(origin)) {
        throw new AppError('INVALID_CLIENT', 'This origin is not registered for the client.');
      }
      return client;
    },
  };
}

export type Clients = ReturnType<typeof createClients>;

/** Where the provider may send a user after sign-out: one of the client's redirect URIs or its home page. */
export function isPostLogoutRedirect(client: AppRecord, uri: string): boolean {
  return client.redirectUris.includes(uri) || client.url === uri;
}
