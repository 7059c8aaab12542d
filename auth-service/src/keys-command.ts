import { pino } from 'pino';
import { loadConfig } from './config.js';
import { loadOrCreateSecretKey } from './secret-key.js';
import { openStore } from './store/store.js';
import { createSigningKeys, retiredKeyRetentionMs } from './services/signing-keys.js';

/**
 * `userbox keys rotate`: a new signing key of each algorithm (ES256, RS256) signs from now on (every instance picks it up within a minute, or at
 * once on an unknown kid); the old public key stays in the JWKS until the tokens it signed have expired.
 */
export async function keysCommand(args: string[]): Promise<number> {
  if (args[0] !== 'rotate' || args.length !== 1) {
    console.error('Usage: userbox keys rotate');
    return 2;
  }
  const config = loadConfig();
  const persistentSqlite = config.databaseUrl.startsWith('sqlite:') && config.databaseUrl !== 'sqlite::memory:';
  if (!config.secretKey && !persistentSqlite) {
    console.error('Set SECRET_KEY to the value the service uses: signing keys are encrypted with it.');
    return 2;
  }
  const secretKey = config.secretKey ?? (await loadOrCreateSecretKey(config.databaseUrl, pino({ level: 'warn' })));
  const store = await openStore(config.databaseUrl);
  try {
    const policy = config.oidc;
    const keyPolicy = { rotationMs: policy.keyRotationMs, tokenTtlMs: policy.tokenTtlMs };
    const kids = await createSigningKeys(store, secretKey, keyPolicy, Date.now).rotate();
    const minutes = Math.ceil(retiredKeyRetentionMs(keyPolicy) / 60_000);
    console.log(
      `New signing keys ${kids.ES256} (ES256) and ${kids.RS256} (RS256). Running services sign with them within a minute; ` +
        `earlier keys stay published for ${minutes} minutes.`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
