import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

/**
 * The service's secret when SECRET_KEY is not set: kept beside a SQLite file (mode 0600) so it survives
 * restarts; with any other database a random one per process, with a warning, since instances must share it.
 */
export async function loadOrCreateSecretKey(databaseUrl: string, logger: Logger): Promise<Buffer> {
  if (!databaseUrl.startsWith('sqlite:') || databaseUrl === 'sqlite::memory:') {
    logger.warn('SECRET_KEY is not set: using a random key for this process only; set it when running several instances');
    return randomBytes(32);
  }
  const file = path.join(path.dirname(databaseUrl.slice('sqlite:'.length)), 'secret.key');
  try {
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
    if (key.length >= 32) return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(32);
  await writeFile(file, key.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  logger.info({ file }, 'created a secret key for this installation');
  return key;
}
