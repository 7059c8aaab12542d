import { Router } from 'express';
import type { Logger } from 'pino';
import type { OidcPolicy } from './config.js';
import type { SessionCookie } from './routes/session-cookie.js';
import type { AppRegistry } from './services/apps.js';
import type { BrowserAccounts } from './services/browser-accounts.js';
import type { SessionService } from './services/sessions.js';
import type { Store } from './store/store.js';
import { authorizeRoutes } from './routes/oidc/authorize.js';
import { discoveryRoutes } from './routes/oidc/discovery.js';
import { endSessionRoutes } from './routes/oidc/end-session.js';
import { fedcmRoutes } from './routes/oidc/fedcm.js';
import { revocationRoutes } from './routes/oidc/revoke.js';
import { tokenRoutes } from './routes/oidc/token.js';
import { userinfoRoutes } from './routes/oidc/userinfo.js';
import { createBearerAuthentication, type BearerAuthentication } from './services/bearer-authentication.js';
import { createClientAssertions } from './services/client-assertions.js';
import { createClientSecrets } from './services/client-secrets.js';
import { createClients } from './services/clients.js';
import { createGrants } from './services/grants.js';
import { createSigningKeys, type SigningKeys } from './services/signing-keys.js';
import { createTokens } from './services/tokens.js';
import type { Clock } from './clock.js';
import type { JobQueue } from './jobs/job-queue.js';
import { createBackChannelLogout } from './services/back-channel-logout.js';

export interface OidcProviderDependencies {
  /** The service's public origin; the `iss` of every token. */
  issuer: string;
  store: Store;
  registry: AppRegistry;
  sessions: SessionService;
  accounts: BrowserAccounts;
  cookie: SessionCookie;
  policy: OidcPolicy;
  /** Encrypts the private signing keys at rest; derives refresh-token successors. */
  secretKey: Buffer;
  logger: Logger;
  clock: Clock;
  /** Where back-channel logout tokens are queued; the provider registers their workers. */
  jobs: JobQueue;
}

/** What the app mounts and shares of the provider. */
export interface OidcProvider {
  /** Discovery, JWKS, `/authorize`, `/token`, `/userinfo`, `/revoke`, `/end_session`, and the FedCM endpoints. */
  router: Router;
  /** The signing keys (the CLI rotates them; tests inspect them). */
  keys: SigningKeys;
  /** Lets `/api/me` and `DELETE /api/sessions` accept the provider's access tokens. */
  bearer: BearerAuthentication;
}

/**
 * The OpenID Connect provider: discovery, JWKS, `/authorize`, `/token`, `/userinfo`, `/revoke`, `/end_session`.
 * Mount `router` before the CSRF check: these endpoints take no cookies except `/authorize` and `/end_session`,
 * which follow the spec's own rules. `bearer` lets `/api/me` accept the access tokens it issues.
 */
export function createOidcProvider(deps: OidcProviderDependencies): OidcProvider {
  const { issuer, store, registry, sessions, accounts, cookie, policy, clock } = deps;
  const keys = createSigningKeys(store, deps.secretKey, { rotationMs: policy.keyRotationMs, tokenTtlMs: policy.tokenTtlMs }, clock, deps.logger);
  const tokens = createTokens({ issuer, keys, ttlMs: policy.tokenTtlMs, clock });
  const grants = createGrants(store, policy, clock, deps.secretKey);
  const clients = createClients(registry, createClientSecrets(store, policy, clock), createClientAssertions({ issuer, store, clock }));
  const bearer = createBearerAuthentication({ issuer, tokens, clients, sessions });
  // The logout-token jobs run wherever the queue hands them (this instance or another).
  createBackChannelLogout({ store, registry, tokens, jobs: deps.jobs })
    .work()
    .catch((err: unknown) => deps.logger.error({ err }, 'back-channel logout worker did not start'));

  const router = Router();
  router.use(discoveryRoutes(issuer, keys));
  router.use(authorizeRoutes({ issuer, clients, grants, sessions, accounts, cookie, clock }));
  router.use(tokenRoutes({ registry, clients, grants, tokens, sessions, accounts }));
  router.use(userinfoRoutes({ registry, bearer }));
  router.use(revocationRoutes({ registry, clients, grants }));
  router.use(endSessionRoutes({ issuer, clients, tokens, accounts, cookie }));
  router.use(fedcmRoutes({ issuer, clients, grants, sessions, accounts, cookie }));

  return { router, keys, bearer };
}
