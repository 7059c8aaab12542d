import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { SessionCookie } from '../session-cookie.js';
import type { BrowserAccounts } from '../../services/browser-accounts.js';
import type { Clients } from '../../services/clients.js';
import type { Grants } from '../../services/grants.js';
import type { SessionService } from '../../services/sessions.js';
import { AppError, isOAuthError } from '../../errors.js';
import { noStore, param, parseForm } from './oauth-http.js';

/** Where the service's FedCM files and endpoints live, under its own origin. */
export const fedcmPaths = {
  config: '/fedcm/config.json',
  accounts: '/fedcm/accounts',
  clientMetadata: '/fedcm/client_metadata',
  idAssertion: '/fedcm/assertion',
  disconnect: '/fedcm/disconnect',
} as const;

/** The colours of the browser's FedCM dialog: the service's own (its pages' accent). */
const branding = { background_color: '#1d4ed8', color: '#ffffff' } as const;

/** A code from FedCM carries the scope the box asks `/authorize` for. */
const fedcmScope = 'openid profile email';

/** The value of `Sec-Fetch-Dest` on every fetch the browser makes for FedCM; a page's `fetch` cannot send it. */
const isFedcmFetch = (req: Request) => req.headers['sec-fetch-dest'] === 'webidentity';

/**
 * The custom parameters of `navigator.credentials.get({identity: {providers: [{params}]}})`: Chromium sends them as
 * one JSON object in the `params` field; a string value of each is read.
 */
function customParams(body: unknown): Record<string, string> {
  const raw = param(body, 'params', 4096);
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new AppError('INVALID_REQUEST', 'params is not JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new AppError('INVALID_REQUEST', 'params is not an object.');
  return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/**
 * The service as a FedCM identity provider (https://w3c-fedid.github.io/FedCM/): the well-known file, the config
 * file, the accounts list, the client metadata and the ID assertion endpoint. The browser fetches them itself; the
 * two that carry cookies read only the `SameSite=None` twin of the session cookie and require
 * `Sec-Fetch-Dest: webidentity`, which no page can send (docs/decisions/0008-fedcm-identity-provider.md).
 *
 * The "token" FedCM hands the page is an authorization code, bound like `/authorize`'s to the client, a PKCE
 * challenge (`params.code_challenge`) and the nonce (`params.nonce`), and to the app origin that asked, which is its
 * `redirect_uri` at `/token`: the box trades it there for the usual access, ID and refresh tokens.
 */
export function fedcmRoutes(deps: { issuer: string; clients: Clients; grants: Grants; sessions: SessionService; accounts: BrowserAccounts; cookie: SessionCookie }): Router {
  const { issuer, clients, grants, sessions, accounts, cookie } = deps;
  const router = Router();
  const url = (path: string) => `${issuer}${path}`;
  const loginUrl = url('/login');

  // The browser fetches these on behalf of the app's page (another site): the service's default
  // Cross-Origin-Resource-Policy (same-origin) would block them (ERR_BLOCKED_BY_RESPONSE).
  router.use(['/.well-known/web-identity', '/fedcm'], (_req, res, next) => {
    res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    next();
  });

  // On the registrable domain (a reverse proxy forwards it there when the service is on a subdomain, deploy/).
  router.get('/.well-known/web-identity', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.json({ provider_urls: [url(fedcmPaths.config)], accounts_endpoint: url(fedcmPaths.accounts), login_url: loginUrl });
  });

  router.get(fedcmPaths.config, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.json({
      accounts_endpoint: url(fedcmPaths.accounts),
      client_metadata_endpoint: url(fedcmPaths.clientMetadata),
      id_assertion_endpoint: url(fedcmPaths.idAssertion),
      disconnect_endpoint: url(fedcmPaths.disconnect),
      login_url: loginUrl,
      branding: { ...branding, icons: [{ url: url('/assets/icons/app.svg'), size: 64 }] },
    });
  });

  router.get(fedcmPaths.accounts, async (req, res) => {
    noStore(res);
    if (!isFedcmFetch(req)) throw new AppError('INVALID_REQUEST', 'The accounts endpoint answers only the browser (Sec-Fetch-Dest: webidentity).');
    const held = await accounts.read(cookie.readFedcm(req));
    if (held.length === 0) throw new AppError('UNAUTHENTICATED');
    const list = await Promise.all(
      held.map(async (a) => {
        const { user } = a.view;
        return {
          id: user.id,
          name: user.name,
          email: user.email,
          ...(user.picture && { picture: user.picture }),
          approved_clients: await grants.approvedClients(user.id),
          login_hints: [user.id, user.email],
        };
      }),
    );
    res.json({ accounts: list });
  });

  router.get(fedcmPaths.clientMetadata, (req, res) => {
    res.set('Cache-Control', 'no-cache');
    const client = clients.find(param(req.query, 'client_id', 100));
    if (!client) throw new AppError('NOT_FOUND', 'No app is registered with this client_id.');
    res.json({
      ...(client.privacyPolicyUrl && { privacy_policy_url: client.privacyPolicyUrl }),
      ...(client.termsOfServiceUrl && { terms_of_service_url: client.termsOfServiceUrl }),
    });
  });

  /** FedCM's error shape (`{"error":{"code","url"}}`), which the browser hands the page as `IdentityCredentialError`. */
  const fedcmError = (res: Response, err: AppError) => {
    res.status(err.status).json({ error: { code: err.oauth ?? 'server_error', ...(err.code === 'ACCESS_DENIED' && { url: loginUrl }) } });
  };
  const parse = parseForm(30);
  const form: RequestHandler = (req, res, next) => {
    const unreadable = () => fedcmError(res, new AppError('INVALID_REQUEST', 'Send the request as a form.'));
    if (!req.is('application/x-www-form-urlencoded')) return unreadable();
    parse(req, res, (err?: unknown) => (err === undefined ? next() : unreadable()));
  };

  /**
   * What both credentialed POSTs check first: a registered client, called from one of its own origins (which then
   * gets CORS with credentials: the browser hands the answer to that page), by the browser itself.
   */
  function checkCaller(req: Request, res: Response) {
    const client = clients.find(param(req.body, 'client_id', 100));
    const origin = req.headers.origin;
    if (!client || origin === undefined || !client.origins.includes(origin)) throw new AppError('UNAUTHORIZED_CLIENT');
    res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' });
    if (!isFedcmFetch(req)) throw new AppError('INVALID_REQUEST', 'Only the browser may ask this (Sec-Fetch-Dest: webidentity).');
    return { client, origin };
  }

  /** Answers an AppError in FedCM's shape; anything else goes to the error middleware (a 500). */
  const inFedcmShape =
    (handler: (req: Request, res: Response) => Promise<void>): RequestHandler =>
    async (req, res) => {
      noStore(res);
      try {
        await handler(req, res);
      } catch (err) {
        if (!isOAuthError(err)) throw err;
        fedcmError(res, err);
      }
    };

  router.post(
    fedcmPaths.idAssertion,
    form,
    inFedcmShape(async (req, res) => {
      const { client, origin } = checkCaller(req, res);
      const body: unknown = req.body;
      const accountId = param(body, 'account_id', 100);
      const params = customParams(body);
      const codeChallenge = params['code_challenge'];
      if (codeChallenge === undefined || !/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)) {
        throw new AppError('INVALID_REQUEST', 'params.code_challenge (PKCE, S256) is required.');
      }
      const nonce = params['nonce'] ?? param(body, 'nonce', 512) ?? null;
      if (nonce !== null && nonce.length > 512) throw new AppError('INVALID_REQUEST', 'nonce is too long.');
      const held = await accounts.read(cookie.readFedcm(req));
      const account = held.find((a) => a.view.user.id === accountId);
      if (!account) throw new AppError('ACCESS_DENIED');
      const session = await sessions.live(account.view.session.id);
      if (!session) throw new AppError('ACCESS_DENIED');
      const code = await grants.issueCode({
        clientId: client.id,
        redirectUri: origin,
        userId: session.user_id,
        sessionId: session.id,
        scope: fedcmScope,
        authTime: Number(session.created_at),
        codeChallenge,
        nonce,
      });
      await accounts.recordChoice(client.id, account);
      res.json({ token: code });
    }),
  );

  // IdentityCredential.disconnect() on the app's page: the user's grants to that app end.
  router.post(
    fedcmPaths.disconnect,
    form,
    inFedcmShape(async (req, res) => {
      const { client } = checkCaller(req, res);
      const hint = param(req.body, 'account_hint', 320);
      const held = await accounts.read(cookie.readFedcm(req));
      const account = hint === undefined ? undefined : held.find((a) => a.view.user.id === hint || a.view.user.email === hint);
      if (!account) throw new AppError('ACCESS_DENIED');
      await grants.revokeClient(account.view.user.id, client.id);
      res.json({ account_id: account.view.user.id });
    }),
  );

  return router;
}
