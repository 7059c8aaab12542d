import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';

// argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane) — the library's defaults, pinned here so a
// library upgrade cannot silently weaken them. Hashing runs on libuv's pool, off the event loop.
const params = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

// Each hash takes a core for tens of milliseconds. Running at most (cores − 1) at once leaves a core for the
// event loop, so a storm of sign-ins queues sign-ins instead of slowing every /api/me behind them.
const maxConcurrentHashes = Math.max(1, availableParallelism() - 1);
let running = 0;
const waiting: Array<() => void> = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running < maxConcurrentHashes) running += 1;
  else await new Promise<void>((resolve) => waiting.push(resolve)); // a finishing hash hands over its slot
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

export function hashPassword(password: string): Promise<string> {
  return limited(() => hash(password, params));
}

let dummyHash: Promise<string> | undefined;

/** The stored hash of an account that signs in with passkeys only: no password matches it. */
export const noPassword = '';

/**
 * Checks a password against a stored hash. With no hash (unknown email, or an account with passkeys only) it
 * verifies against a dummy, so every answer takes the same time and none reveals which emails have accounts.
 */
export async function verifyPassword(storedHash: string | undefined, password: string): Promise<boolean> {
  if (storedHash === undefined || storedHash === noPassword) {
    dummyHash ??= hashPassword('userbox-dummy-password-for-timing');
    const dummy = await dummyHash;
    await limited(() => verify(dummy, password));
    return false;
  }
  return limited(() => verify(storedHash, password));
}
