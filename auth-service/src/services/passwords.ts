import { hash, verify } from '@node-rs/argon2';

// argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane) — the library's defaults, pinned here so a
// library upgrade cannot silently weaken them. Hashing runs on libuv's pool, off the event loop.
const params = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, params);
}

let dummyHash: Promise<string> | undefined;

/**
 * Checks a password against a stored hash. With no hash (unknown email) it verifies against a dummy, so both
 * answers take the same time and do not reveal which emails have accounts.
 */
export async function verifyPassword(storedHash: string | undefined, password: string): Promise<boolean> {
  if (storedHash === undefined) {
    dummyHash ??= hashPassword('userbox-dummy-password-for-timing');
    await verify(await dummyHash, password);
    return false;
  }
  return verify(storedHash, password);
}
