import { hash } from 'node:crypto';

/**
 * What the store keeps of a secret token (session cookie values, known-device tokens): its SHA-256, base64url.
 * A one-shot hash, no Hash object per call: it is on the path of every signed-in /api/me.
 */
export function hashToken(token: string): string {
  return hash('sha256', token, 'base64url');
}
