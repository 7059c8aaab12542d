import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type RequestHandler } from 'express';
import type { Store as RateLimitStore } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { errorHandler, notFound } from './middleware/errors.js';
import { appOriginCors, requireTrustedOrigin } from './middleware/origin-checks.js';
import { requestLog } from './middleware/request-log.js';
import { securityHeaders } from './middleware/security-headers.js';
import { createOidcProvider } from './oidc-provider.js';
import { apiRoutes, enterApi, meRoute } from './routes/api.js';
import { pageRoutes } from './routes/pages.js';
import { createFormTokens } from './routes/form-token.js';
import { createDeviceCookie, createPendingCookie, createSessionCookie } from './routes/session-cookie.js';
import { authRateLimit } from './middleware/rate-limits.js';
import { createLoginThrottle } from './services/login-throttle.js';
import { widgetRoutes } from './routes/widget.js';
import type { AppRegistry } from './services/apps.js';
import { createKnownDevices } from './services/known-devices.js';
import { createBrowserAccounts } from './services/browser-accounts.js';
import { createSessionService } from './services/sessions.js';
import { createTwoStep } from './services/two-step.js';
import { createPasskeys } from './services/passkeys.js';
import { passkeyRoutes } from './routes/passkeys.js';
import { createUserService } from './services/users.js';
import { createMemoryFailureCounter, type FailureCounter } from './store/failure-counter.js';
import type { Store } from './store/store.js';
import type { JobQueue } from './jobs/job-queue.js';
import { devOutboxRoutes } from './routes/dev-outbox.js';
import { createEmailLinks } from './services/email-links.js';
import { createEmailVerification } from './services/email-verification.js';
import { createMailer, mailBox } from './services/mail.js';
import { createMailLimits } from './services/mail-limits.js';
import { createPasswordReset } from './services/password-reset.js';
import { createAccountData } from './services/account-data.js';

const skip = (): void => undefined;

const publicDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../public');
// The package exports no subpaths: its entry is <package>/script/index.js, the bundle sits beside it in dist/.
const webauthnBrowserBundle = path.resolve(path.dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '../dist/bundle/index.umd.min.js');

export interface AppDependencies {
  /** The settings the app reads, as `loadConfig` gives them (every default is there). */
  config: Pick<
    Config,
    'publicUrl' | 'session' | 'widgetDir' | 'trustProxy' | 'authRateLimitPerMinute' | 'loginThrottle' | 'oidc' | 'syncCookieDomain' | 'mail' | 'devPages' | 'webauthn'
  > & {
    /** 32+ bytes: form tokens, encryption of signing keys at rest (server.ts finds or makes one when unset). */
    secretKey: Buffer;
  };
  /** Where login failures are counted; in memory unless given (Redis for several instances). */
  failureCounter?: FailureCounter;
  /** Where per-IP rate-limit counters live; in memory unless given (Redis for several instances). */
  rateLimitStore?: RateLimitStore;
  store: Store;
  /** Where work outside the request goes (mail); server.ts and the tests start its workers. */
  jobs: JobQueue;
  /** Loaded (`reload()`ed) before the app serves requests. */
  registry: AppRegistry;
  logger: Logger;
  clock: Clock;
}

/** Builds the Express app from its dependencies; it does not listen, so tests drive it with supertest. */
export function createApp({ config, store, registry, logger, failureCounter, rateLimitStore, clock, jobs }: AppDependencies): Express {
  const counter = failureCounter ?? createMemoryFailureCounter();
  const throttle = createLoginThrottle({ counter, policy: config.loginThrottle, clock });
  const devices = createKnownDevices(store, clock);
  const twoStep = createTwoStep({ store, secretKey: config.secretKey, clock, issuer: config.publicUrl });
  const passkeys = createPasskeys({ store, policy: { ...config.webauthn, rpName: 'Userbox' }, clock });
  const sessions = createSessionService(store, config.session, throttle, devices, clock, twoStep, passkeys);
  const accounts = createBrowserAccounts(store, sessions, clock, (clientId) => registry.sameApp(clientId));
  const mailer = createMailer(jobs, mailBox(config.secretKey));
  const links = createEmailLinks(store, clock);
  const mailLimits = createMailLimits(counter, config.mail.limits, clock);
  const verification = createEmailVerification({ store, links, mailer, limits: mailLimits, publicUrl: config.publicUrl, clock });
  const users = createUserService(store, clock, verification);
  const passwordReset = createPasswordReset({ store, links, mailer, limits: mailLimits, jobs, devices, publicUrl: config.publicUrl, clock });
  const accountData = createAccountData({ store, sessions, registry, mailer, clock });
  // The reset job runs wherever the queue hands it (this instance or another): its handler is the app's wiring.
  passwordReset.work().catch((err: unknown) => logger.error({ err }, 'password-reset worker did not start'));
  const cookie = createSessionCookie(config.publicUrl, clock, config.syncCookieDomain);
  const deviceCookie = createDeviceCookie(config.publicUrl, clock);
  const secondStepCookie = createPendingCookie(config.publicUrl, clock, 'userbox_second_step');
  const challengeCookie = createPendingCookie(config.publicUrl, clock, 'userbox_webauthn');
  const formTokens = createFormTokens(config.secretKey, config.publicUrl);
  const authLimit = authRateLimit({
    limit: config.authRateLimitPerMinute,
    windowMs: 60_000,
    clock,
    ...(rateLimitStore ? { store: rateLimitStore } : {}),
  });
  const oidc = createOidcProvider({
    issuer: config.publicUrl,
    store,
    registry,
    sessions,
    accounts,
    cookie,
    policy: config.oidc,
    secretKey: config.secretKey,
    logger,
    clock,
  });

  const app = express();
  app.disable('x-powered-by');
  // API answers are no-store; hashing every body for an ETag is work nobody uses. Files keep theirs.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');
  const log = requestLog(logger);
  const headers = securityHeaders(registry);
  // Both only set things up and call next at once: one layer, and no closure per request.
  app.use((req, res, next) => {
    log(req, res, skip);
    headers(req, res, next);
  });

  // The JSON API first: /api/me is the hottest route, so it should not walk past the others' matchers. It is
  // a route of the app itself rather than of the API router: entering a second router (matching its layers,
  // trimming and restoring the URL) cost about a tenth of the request. The rest of the API is one /api layer:
  // CORS, the CSRF check (nothing for GET), then the router.
  const trusted = requireTrustedOrigin(registry);
  const cors = appOriginCors(registry, { methods: 'GET, POST, PATCH, DELETE', credentials: true });
  const behindApiChecks =
    (handler: RequestHandler): RequestHandler =>
    (req, res, next) =>
      cors(req, res, () => trusted(req, res, () => handler(req, res, next)));
  app.get('/api/me', behindApiChecks(enterApi), meRoute({ accounts, cookie, bearer: oidc.bearer }));
  // Passkey ceremonies, for the service's own pages (WebAuthn accepts only the service's origin anyway).
  app.use('/api/passkeys', behindApiChecks(passkeyRoutes({ sessions, accounts, issuer: config.publicUrl, passkeys, registry, cookie, deviceCookie, challengeCookie, authLimit })));
  app.use('/api', behindApiChecks(apiRoutes({ sessions, accounts, users, verification, passwordReset, accountData, registry, cookie, deviceCookie, secondStepCookie, authLimit, bearer: oidc.bearer })));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    await store.ping();
    res.json({ status: 'ready' });
  });
  app.use(widgetRoutes(config.widgetDir));
  if (config.devPages) app.use(devOutboxRoutes(store.outbox));
  // App icons are shown by the launcher on other sites: let them be loaded cross-origin.
  app.use('/assets/icons', (_req, res, next) => {
    res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    next();
  });
  // SimpleWebAuthn's browser half, for the service's own pages only (never in the widget's bundle).
  app.get('/assets/simplewebauthn-browser.js', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.type('text/javascript').sendFile(webauthnBrowserBundle);
  });
  app.use('/assets', express.static(publicDir, { maxAge: '5m', index: false }));
  // OAuth endpoints take no cookies (or follow the spec's rules) and do their own CORS: before the CSRF check,
  // which would refuse what the specs allow, such as a form posted to /authorize from any site.
  app.use(oidc.router);
  app.use(trusted);
  app.use(pageRoutes({ sessions, accounts, users, twoStep, passkeys, verification, passwordReset, accountData, issuer: config.publicUrl, registry, cookie, deviceCookie, secondStepCookie, formTokens, authLimit }));

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
