import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP) as every authenticator app reads them from an
 * `otpauth://` URI: HMAC-SHA-1, 6 digits, 30-second steps. Written on node:crypto: the algorithm is twenty lines,
 * and a dependency for it would be more code to trust than the code it replaces.
 */
export const totpPeriodMs = 30_000;
export const totpDigits = 6;
/** Steps either side of now that are still accepted (RFC 6238 §5.2's one step of clock drift). */
export const totpDriftSteps = 1;

const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding: how authenticator apps take the secret. */
export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += base32Alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += base32Alphabet[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=-]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = base32Alphabet.indexOf(char);
    if (index < 0) throw new Error('not base32');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A new secret: 160 bits, the HMAC-SHA-1 key size RFC 4226 recommends. */
export function newTotpSecret(): Buffer {
  return randomBytes(20);
}

/** RFC 4226 §5.3: the HOTP value of `counter`, as `digits` decimal digits. */
export function hotp(secret: Buffer, counter: number, digits = totpDigits): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secret).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The RFC 6238 time step of an instant (ms since the epoch). */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / totpPeriodMs);
}

/**
 * The step whose code `code` is, within the drift window around `nowMs` and after `lastUsedStep` (a code is
 * accepted once: neither it nor an older one again), or null.
 */
export function matchTotp(secret: Buffer, code: string, nowMs: number, lastUsedStep: number | null): number | null {
  if (!new RegExp(`^\\d{${totpDigits}}$`).test(code)) return null;
  const now = totpStep(nowMs);
  let matched: number | null = null;
  // Every candidate is computed and compared in constant time, so timing tells nothing about which one matched.
  for (let step = now - totpDriftSteps; step <= now + totpDriftSteps; step += 1) {
    const same = timingSafeEqual(Buffer.from(hotp(secret, step)), Buffer.from(code));
    if (same && (lastUsedStep === null || step > lastUsedStep) && matched === null) matched = step;
  }
  return matched;
}

/** The `otpauth://` URI an authenticator app scans (Google Authenticator's Key URI format). */
export function otpauthUri(secret: Buffer, issuer: string, account: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const params = new URLSearchParams({ secret: base32Encode(secret), issuer, algorithm: 'SHA1', digits: String(totpDigits), period: String(totpPeriodMs / 1000) });
  return `otpauth://totp/${label}?${params.toString()}`;
}
