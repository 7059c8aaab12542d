import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { createAppRegistry, readAppsFile } from './services/apps.js';
import { createClientSecrets } from './services/client-secrets.js';
import { createUserService } from './services/users.js';
import type { Redis } from 'ioredis';
import type { Options as RateLimitOptions, Store as RateLimitStore } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { connectRedis, createRedisFailureCounter } from './store/redis.js';
import { withSessionCache } from './store/redis-session-cache.js';
import { withLocalSessionCache } from './store/local-session-cache.js';
import { openStore } from './store/store.js';
import { loadOrCreateSecretKey } from './secret-key.js';
import type { JobQueue } from './jobs/job-queue.js';
import { createPgBossJobQueue } from './jobs/pg-boss-job-queue.js';
import { createTableJobQueue } from './jobs/table-job-queue.js';
import { mailBox, mailTransportFor, workMail } from './services/mail.js';
import { withSessionEndNotices } from './services/back-channel-logout.js';

const config = loadConfig();
// The one real clock: everything below that reads the time is given this.
const clock = Date.now;
// Asynchronous writes, gathered into 4 KB blocks: under load a write (a trip through libuv's thread pool and a
// system call) carries a few dozen lines instead of one or two. Nothing waits longer than a second, and
// shutdown flushes what is left.
const logDestination = pino.destination({ sync: false, minLength: 4096, periodicFlush: 1000 });
const logger = pino({ level: config.logLevel, redact: ['req.headers.cookie', 'req.headers.authorization', '*.password'] }, logDestination);

const database = await openStore(config.databaseUrl, config.databaseSchema ? { schema: config.databaseSchema } : {});
const redis = config.redis ? connectRedis(config.redis.url, logger) : null;
const cachedStore = redis && config.redis
  ? withSessionCache(database, { redis, subscriber: connectRedis(config.redis.url, logger, 'redis-subscriber'), prefix: config.redis.prefix, logger, clock })
  : withLocalSessionCache(database, { clock });
// The job queue: pg-boss beside the tables on PostgreSQL (any number of instances), else the SQLite jobs table.
const jobs: JobQueue = /^postgres(ql)?:\/\//.test(config.databaseUrl)
  ? await createPgBossJobQueue({
      connectionString: config.databaseUrl,
      schema: `${config.databaseSchema ?? 'userbox'}_jobs`.slice(0, 63),
      logger,
      retry: config.jobRetry,
    })
  : createTableJobQueue({ jobs: database.jobs, clock, logger, retry: config.jobRetry });
// Every session that ends is announced to the apps that hold its tokens (back-channel logout).
const store = withSessionEndNotices(cachedStore, jobs, logger);
const secretKey = config.secretKey ?? (await loadOrCreateSecretKey(config.databaseUrl, logger));
const mailTransport = mailTransportFor(config.mail, store.outbox, clock);
if (!config.mail.smtpUrl && !config.devPages) {
  // Nobody can read the outbox here: verification and reset mails would reach no one.
  logger.warn('no SMTP_URL: mail is kept in the outbox table and not delivered (set SMTP_URL and MAIL_FROM)');
}
await workMail(jobs, mailTransport, mailBox(secretKey));
const clientSecrets = createClientSecrets(store, config.oidc, clock);
for (const entry of await readAppsFile(config.appsFile)) {
  const { clientSecretHash, ...app } = entry;
  await store.apps.upsert(app);
  if (clientSecretHash !== undefined) await clientSecrets.adopt(app.id, clientSecretHash);
}
const registry = createAppRegistry(store, config.publicUrl);
await registry.reload();

if (config.seedDemoUser && (await store.users.count()) === 0) {
  const password = randomBytes(9).toString('base64url');
  await createUserService(store, clock).create({ email: 'demo@example.com', name: 'Ada Lovelace', password });
  // Printed once, on purpose: this is how the person who just ran `npm start` learns the demo password.
  process.stdout.write(`\n  Demo account created: demo@example.com / ${password}\n  (shown only this once)\n\n`);
}

/**
 * Per-IP rate-limit counters in Redis. rate-limit-redis loads its Lua scripts in `init`, which express-rate-limit
 * calls the moment the limiter is built, while the connection is still coming up and (with no offline queue)
 * every command fails. So the limiter gets a store whose `init` only keeps the limiter's options: the scripts load
 * when the connection is ready, again on every reconnect (Redis may come back empty), and again on the next count
 * if a load failed, so the limit does not stay open. Until then counts fail and the limiter lets requests through.
 */
function sharedRateLimitStore(connection: Redis, prefix: string): RateLimitStore {
  const redisStore = new RedisStore({
    prefix: `${prefix}rl:`,
    sendCommand: (command: string, ...args: string[]) => connection.call(command, ...args) as Promise<RedisReply>,
  });
  let options: RateLimitOptions | undefined;
  let loaded: Promise<void> | undefined;
  const load = () => {
    if (!options || connection.status !== 'ready') return;
    loaded = redisStore.init(options).catch((err: unknown) => {
      loaded = undefined;
      logger.warn({ err: { message: (err as Error).message } }, 'rate-limit scripts not loaded');
    });
  };
  connection.on('ready', load);
  const ensureLoaded = () => {
    if (!loaded) load();
  };
  return {
    prefix: redisStore.prefix,
    init(limiterOptions) {
      options = limiterOptions;
      load();
    },
    async get(key) {
      ensureLoaded();
      return redisStore.get(key);
    },
    async increment(key) {
      ensureLoaded();
      return redisStore.increment(key);
    },
    decrement: (key) => redisStore.decrement(key),
    resetKey: (key) => redisStore.resetKey(key),
  };
}

const app = createApp({
  config: { ...config, secretKey },
  store,
  jobs,
  registry,
  logger,
  clock,
  ...(redis && config.redis
    ? {
        failureCounter: createRedisFailureCounter(redis, config.redis.prefix),
        rateLimitStore: sharedRateLimitStore(redis, config.redis.prefix),
      }
    : {}),
});
const server = config.tls
  ? https.createServer({ cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) }, app)
  : http.createServer(app);

server.on('error', (err: NodeJS.ErrnoException) => {
  logger.fatal({ err }, err.code === 'EADDRINUSE' ? `port ${config.port} is already in use` : 'server error');
  logDestination.flushSync();
  process.exit(1);
});
server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    {
      port,
      publicUrl: config.publicUrl,
      apps: registry.list().length,
      mail: config.mail.smtpUrl ? 'smtp' : 'outbox',
      ...(config.devPages ? { outbox: `${config.publicUrl}/dev/outbox` } : {}),
    },
    'userbox account service listening',
  );
});

// The CLI (npx userbox apps …) changes the registry in the database; pick that up without a restart.
const registryReload = setInterval(() => {
  registry.reload().catch((err: unknown) => logger.warn({ err }, 'app registry reload failed'));
}, 30_000);
registryReload.unref();

// Sessions that expired (idle or absolute) and were not seen again end here, once a minute, so the apps holding
// their tokens hear of it soon (back-channel logout); the sweep also sends what ended without a notice.
const sessionSweep = setInterval(() => {
  const now = clock();
  store.sessions.deleteExpired(now, now - config.session.idleMs).catch((err: unknown) => logger.warn({ err }, 'session sweep failed'));
}, 60_000);
sessionSweep.unref();
const sweep = setInterval(() => {
  store.knownDevices.deleteExpired(clock()).catch((err: unknown) => logger.warn({ err }, 'known-device sweep failed'));
  store.emailLinks.deleteExpired(clock()).catch((err: unknown) => logger.warn({ err }, 'email-link sweep failed'));
}, 60 * 60_000);
sweep.unref();

let stopping = false;
function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  setTimeout(() => process.exit(1), 10_000).unref();
  server.close(() => {
    // Running jobs finish (a mail half-sent is not cut off); waiting ones stay stored for the next start.
    void jobs
      .stop(5_000)
      .catch((err: unknown) => logger.warn({ err }, 'job queue did not stop cleanly'))
      .then(() => mailTransport.close())
      .then(() => store.close())
      .then(() => {
        logDestination.flushSync();
        process.exit(0);
      });
  });
  // Keep-alive sockets of requests that finish now go idle later; close them as they do.
  server.closeIdleConnections();
  setInterval(() => server.closeIdleConnections(), 100).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
