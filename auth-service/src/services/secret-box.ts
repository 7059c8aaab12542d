import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** Secrets the service keeps encrypted at rest (signing keys, TOTP secrets), each sealed to what it belongs to. */
export interface SecretBox {
  /** `v1.<iv>.<ciphertext>.<tag>`, bound to `context` (the associated data: a kid, a user id). */
  seal(plaintext: string, context: string): string;
  /** Throws when the value is malformed, bound to another context, or sealed under another SECRET_KEY. */
  open(sealed: string, context: string): string;
}

/**
 * The one rule for encryption at rest: AES-256-GCM under a key derived from SECRET_KEY by HKDF with a label per
 * kind of secret (never SECRET_KEY itself, and never one key for two kinds), a fresh 96-bit IV per value, and the
 * owner of the value as associated data, so a sealed value moved to another row does not open.
 */
export function createSecretBox(secretKey: Buffer, label: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), label, 32));
  return {
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv, ciphertext, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    open(sealed, context) {
      const [version, iv, ciphertext, tag] = sealed.split('.');
      if (version !== 'v1' || !iv || !ciphertext || !tag) throw new Error('unknown encryption format');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
        .setAAD(Buffer.from(context))
        .setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
