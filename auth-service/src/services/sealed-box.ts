import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** Encrypts what the service must keep at rest but not in the clear (signing keys, queued mail, TOTP secrets). */
export interface SealedBox {
  /** AES-256-GCM; `context` is bound as associated data, so a sealed value opens only for the same context. */
  seal(plaintext: string, context: string): string;
  /** Throws when the value was changed, sealed for another context, or under another SECRET_KEY. */
  open(sealed: string, context: string): string;
}

/**
 * A box under a key derived from SECRET_KEY (never SECRET_KEY itself) for one purpose: `info` names it, so each
 * purpose has a key of its own. `label` names what is sealed in error messages.
 */
export function createSealedBox(secretKey: Buffer, info: string, label: string): SealedBox {
  const key = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), info, 32));
  return {
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv, ciphertext, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    open(sealed, context) {
      const [version, iv, ciphertext, tag] = sealed.split('.');
      if (version !== 'v1' || !iv || !ciphertext || !tag) throw new Error(`${label} ${context}: unknown encryption format`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
        .setAAD(Buffer.from(context))
        .setAuthTag(Buffer.from(tag, 'base64url'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch (err) {
        throw new Error(`${label} ${context} cannot be decrypted: was SECRET_KEY changed?`, { cause: err });
      }
    },
  };
}
