import type { AppRegistry } from './apps.js';
import type { AppRecord } from '../store/apps-repository.js';
import { AppError } from '../errors.js';

/** The registered apps as OAuth clients. */
export interface Clients {
  /** The client with this `client_id`, if it is registered. */
  find(clientId: string | undefined): AppRecord | undefined;
  /**
   * The client at `/token` and `/revoke` (public clients: `client_id` in the body, no secret). A browser must
   * call from one of the client's own origins; back ends send no `Origin`. Throws `invalid_client`.
   */
  authenticate(clientId: string | undefined, origin: string | undefined): AppRecord;
}

/**
 * OAuth clients are the registered apps: `client_id` is the app id, redirect URIs match exactly, and every
 * client is public (PKCE, no secret), since the one that matters is the `<user-box>` widget in a browser.
 */
export function createClients(registry: AppRegistry): Clients {
  const find = (clientId: string | undefined): AppRecord | undefined =>
    clientId === undefined ? undefined : registry.list().find((a) => a.id === clientId);

  return {
    find,
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

/** Where the provider may send a user after sign-out: one of the client's redirect URIs or its home page. */
export function isPostLogoutRedirect(client: AppRecord, uri: string): boolean {
  return client.redirectUris.includes(uri) || client.url === uri;
}
