import type { AppRegistry } from './apps.js';
import type { ClientAssertions } from './client-assertions.js';
import type { ClientSecrets } from './client-secrets.js';
import type { AppRecord } from '../store/apps-repository.js';
import { AppError } from '../errors.js';

/** The client authentication methods `/token` and `/revoke` accept (RFC 6749 §2.3, OpenID Connect Core §9). */
export const clientAuthMethods = ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;

/** How a request at `/token` or `/revoke` names its client, as read at the edge (routes/oidc/oauth-http.ts). */
export type ClientCredentials =
  | { method: 'none'; clientId: string | undefined }
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; secret: string }
  | { method: 'private_key_jwt'; clientId: string; assertion: string };

/** The registered apps as OAuth clients. */
export interface Clients {
  /** The client with this `client_id`, if it is registered. */
  find(clientId: string | undefined): AppRecord | undefined;
  /**
   * The client at `/token` and `/revoke`. A public client sends only its `client_id` (and proves the code with
   * PKCE); a confidential one must send a secret that works now, by either method, or an assertion signed with
   * one of its registered keys (`private_key_jwt`), and a public one neither. A
   * browser must call from one of the client's own origins; back ends send no `Origin`. Throws `invalid_client`
   * (with `WWW-Authenticate: Basic` where Basic was used or is expected, RFC 6749 §5.2).
   */
  authenticate(credentials: ClientCredentials, origin: string | undefined): Promise<AppRecord>;
}

/** The challenge of a refused `client_secret_basic` (RFC 6749 §2.3.1, RFC 7617). */
export const basicChallenge = { 'WWW-Authenticate': 'Basic realm="userbox", charset="UTF-8"' };

/**
 * OAuth clients are the registered apps: `client_id` is the app id and redirect URIs match exactly. Most are
 * public (the `<user-box>` widget in a browser: PKCE, no secret); an app with a back end may be registered as
 * confidential and then authenticates with a client secret as well.
 */
export function createClients(registry: AppRegistry, secrets: ClientSecrets, assertions: ClientAssertions): Clients {
  const find = (clientId: string | undefined): AppRecord | undefined =>
    clientId === undefined ? undefined : registry.list().find((a) => a.id === clientId);

  return {
    find,
    async authenticate(credentials, origin) {
      const refuse = (message: string, challenge: boolean) =>
        new AppError('INVALID_CLIENT', message, challenge ? { headers: basicChallenge } : undefined);
      const basic = credentials.method === 'client_secret_basic';
      const client = find(credentials.clientId);
      if (!client) throw refuse('Unknown client_id.', basic);
      if (credentials.method === 'none') {
        if (client.confidential) throw refuse('This client is confidential: authenticate with its client secret.', true);
      } else if (!client.confidential) {
        throw refuse('This client is public: it has no client secret; use PKCE alone.', basic);
      } else if (credentials.method === 'private_key_jwt') {
        if (!(await assertions.verify(client, credentials.assertion))) {
          throw refuse('The client assertion is invalid, expired, already used, or not signed by a registered key.', false);
        }
      } else if (!(await secrets.verify(client.id, credentials.secret))) {
        throw refuse('The client secret is wrong.', basic);
      }
      if (origin !== undefined && !client.origins.includes(origin)) {
        throw refuse('This origin is not registered for the client.', basic);
      }
      return client;
    },
  };
}

/**
 * Where the provider may send a user after sign-out: one of the client's redirect URIs or its home page. They are
 * compared as parsed URLs, so an empty path and `/` are one address (RFC 3986 §6.2.3): libraries send their base
 * URL (`https://app.example`) where the registry has the home page (`https://app.example/`). Any other difference
 * in path, query or host still fails.
 */
export function isPostLogoutRedirect(client: AppRecord, uri: string): boolean {
  if (!URL.canParse(uri)) return false;
  const href = new URL(uri).href;
  return [...client.redirectUris, client.url].some((registered) => URL.canParse(registered) && new URL(registered).href === href);
}
