import { pino, type Logger } from 'pino';
import supertest from 'supertest';
import type { Express } from 'express';
import { createApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { createAppRegistry, type AppRegistry } from '../src/services/apps.js';
import type { ThrottlePolicy } from '../src/services/login-throttle.js';
import type { AppRecord } from '../src/store/apps-repository.js';
import { withLocalSessionCache } from '../src/store/local-session-cache.js';
import { openStore, type Store } from '../src/store/store.js';
import { createTableJobQueue, type TableJobQueue } from '../src/jobs/table-job-queue.js';
import { mailBox, mailTransportFor, workMail } from '../src/services/mail.js';
import { withSessionEndNotices } from '../src/services/back-channel-logout.js';

export const serviceOrigin = 'http://accounts.example.test';
// Registered apps must use https off loopback (services/apps.ts); the service itself may stay on http here.
export const appOrigin = 'https://news.example.test';
export const foreignOrigin = 'http://evil.test';

export interface TestApp {
  app: Express;
  /** The service's public address: the Origin its own pages send, and the OIDC issuer. */
  publicUrl: string;
  store: Store;
  registry: AppRegistry;
  /** A supertest agent that keeps cookies, sending `Origin: <service>` like the service's own pages. */
  agent: ReturnType<typeof supertest.agent>;
  /** Creates a user through the API and returns its credentials. */
  createUser(overrides?: Partial<{ email: string; name: string; password: string }>): Promise<{ email: string; name: string; password: string; id: string }>;
  /** The settings the app runs with: `loadConfig`'s, from the test app's environment (see createTestApp). */
  config: Config & { secretKey: Buffer };
  /** The service's SECRET_KEY, for tests that reach its keys as another instance would. */
  secretKey: Buffer;
  /** The clock every part of the app reads (ms); it starts at the real time, and tests move it forward. */
  now: { value: number };
  /**
   * The app's job queue, worked by no loop of its own: `runJobs()` runs what is due on the test clock (mail goes
   * to the outbox, or to SMTP_URL when `env` sets it).
   */
  jobs: TableJobQueue;
  runJobs(): Promise<number>;
  /** The mail the embedded outbox holds, newest first, as `/dev/outbox.json` answers it. */
  outbox(): Promise<Array<{ to: string; subject: string; text: string; html: string }>>;
  /** GETs a form page with `agent` (so it holds the CSRF cookie) and returns the form's token. */
  formToken(path?: string): Promise<string>;
}

let counter = 0;

/** What `createTestApp` can change from its defaults. */
export interface TestAppOptions {
  publicUrl?: string;
  trustProxy?: boolean | number | string;
  authRateLimitPerMinute?: number;
  loginThrottle?: ThrottlePolicy;
  logger?: Logger;
  widgetDir?: string;
  /** More settings, as the environment gives them to `loadConfig` (`OIDC_REFRESH_GRACE_SECONDS: '10'`). */
  env?: Record<string, string>;
  /** More registered apps, after News. */
  apps?: (Omit<AppRecord, 'position' | 'confidential' | 'idTokenSignedResponseAlg' | 'hidden' | 'jwks' | 'backchannelLogoutUri' | 'backchannelLogoutSessionRequired'> &
    Partial<Pick<AppRecord, 'confidential' | 'idTokenSignedResponseAlg' | 'hidden' | 'jwks' | 'backchannelLogoutUri' | 'backchannelLogoutSessionRequired'>>)[];
  /** The database to run on (the caller closes it); an in-memory SQLite one by default. */
  store?: Store;
}

/**
 * A fresh app on its own in-memory database (or on `store`), with one registered app at `appOrigin` and then
 * `apps`, in that order. Its settings are `loadConfig`'s defaults except: sessions idle out after an hour and end
 * after a day, 1000 password checks per IP per minute, a fixed SECRET_KEY, no widget files; then `env` and the
 * options below on top.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const secretKey = Buffer.alloc(32, 7);
  const loaded = loadConfig({
    PUBLIC_URL: options.publicUrl ?? serviceOrigin,
    SESSION_IDLE_MINUTES: '60',
    SESSION_ABSOLUTE_MINUTES: String(24 * 60),
    SECRET_KEY: secretKey.toString('hex'),
    AUTH_RATE_LIMIT_PER_MINUTE: String(options.authRateLimitPerMinute ?? 1000),
    WIDGET_DIR: options.widgetDir ?? '/nonexistent',
    ...(options.trustProxy !== undefined ? { TRUST_PROXY: String(options.trustProxy) } : {}),
    ...options.env,
  });
  // The throttle's maximum delay has no setting of its own, so a policy is given whole.
  const config = { ...loaded, secretKey, ...(options.loginThrottle ? { loginThrottle: options.loginThrottle } : {}) };
  const { publicUrl } = config;
  // From the real time, so whatever the test clock and the real one both see (cookie lifetimes in the agent's
  // jar, jose's checks in a relying party) agrees; tests move it forward from there.
  const now = { value: Date.now() };
  // As server.ts runs one instance: with the in-process session cache, so every API test also checks that
  // whatever ends or changes a session reaches the cache at once.
  const cached = withLocalSessionCache(options.store ?? (await openStore(':memory:')), { clock: () => now.value });
  const logger = options.logger ?? pino({ level: 'silent' });
  const jobs = createTableJobQueue({ jobs: cached.jobs, clock: () => now.value, logger, retry: config.jobRetry, pollMs: 0 });
  // As server.ts: every session that ends is announced (back-channel logout).
  const store = withSessionEndNotices(cached, jobs, logger);
  const apps = [
    { id: 'news', name: 'News', url: `${appOrigin}/`, icon: null, origins: [appOrigin], redirectUris: [`${appOrigin}/callback`] },
    ...(options.apps ?? []),
  ];
  for (const [position, app] of apps.entries()) {
    await store.apps.upsert({ confidential: false, idTokenSignedResponseAlg: 'ES256', hidden: false, jwks: null, backchannelLogoutUri: null, backchannelLogoutSessionRequired: true, ...app, position });
  }
  const registry = createAppRegistry(store, publicUrl);
  await registry.reload();
  await workMail(jobs, mailTransportFor(config.mail, store.outbox, () => now.value), mailBox(secretKey));
  const app = createApp({
    config,
    store,
    jobs,
    registry,
    logger,
    clock: () => now.value,
  });
  const agent = supertest.agent(app).set('Origin', publicUrl);
  return {
    app,
    publicUrl,
    store,
    registry,
    agent,
    config,
    secretKey,
    now,
    jobs,
    runJobs: () => jobs.runDue(),
    async outbox() {
      await jobs.runDue();
      return (await store.outbox.listNewest(1000)).map(({ to, subject, text, html }) => ({ to, subject, text, html }));
    },
    async formToken(path = '/login') {
      const res = await agent.get(path).expect(200);
      const token = /name="csrf" value="([^"]+)"/.exec(res.text)?.[1];
      if (!token) throw new Error(`no CSRF token on ${path}`);
      return token;
    },
    async createUser(overrides = {}) {
      counter += 1;
      const input = {
        email: `user${counter}.${Date.now()}@example.test`,
        name: 'Ada Lovelace',
        password: 'correct horse battery staple',
        ...overrides,
      };
      const res = await supertest(app).post('/api/users').set('Origin', publicUrl).send(input).expect(201);
      return { ...input, id: (res.body as { user: { id: string } }).user.id };
    },
  };
}
