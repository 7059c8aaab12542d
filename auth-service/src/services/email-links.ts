import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { EmailLinkRecord } from '../store/email-links-repository.js';
import type { EmailLinkPurpose } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { hashToken } from './token-hash.js';

/** How long each kind of link works. */
export const emailLinkTtlMs: Readonly<Record<EmailLinkPurpose, number>> = {
  verify_email: 24 * 60 * 60_000,
  change_email: 24 * 60 * 60_000,
  reset_password: 30 * 60_000,
};

/**
 * Single-use links mailed to a user. The token (32 random bytes) is only in the mail; the store keeps its
 * SHA-256. A new link replaces the user's older ones of the same purpose.
 */
export interface EmailLinks {
  /** A new link's token for `email`; the user's earlier links of this purpose stop working. */
  issue(userId: string, purpose: EmailLinkPurpose, email: string): Promise<string>;
  /**
   * The link behind a token, if it may still be followed: 400 LINK_INVALID (unknown, mistyped, replaced, or
   * another purpose's), 410 LINK_USED, 410 LINK_EXPIRED. Changes nothing (a page shows its form with it).
   */
  check(token: string, purposes: readonly EmailLinkPurpose[]): Promise<EmailLinkRecord>;
  /** As `check`, and marks it used (the check and the mark are one step for a racing twin): of two uses at once, one wins and the other is LINK_USED. */
  consume(token: string, purposes: readonly EmailLinkPurpose[]): Promise<EmailLinkRecord>;
  /** Voids the user's links of these purposes. */
  voidAll(userId: string, purposes: readonly EmailLinkPurpose[]): Promise<void>;
}

/** A token as links carry it: 43 base64url characters. Anything else is not looked up. */
const tokenShape = /^[A-Za-z0-9_-]{43}$/;

export function createEmailLinks(store: Store, clock: Clock): EmailLinks {
  async function check(token: string, purposes: readonly EmailLinkPurpose[]): Promise<EmailLinkRecord> {
    const link = tokenShape.test(token) ? await store.emailLinks.findByTokenHash(hashToken(token)) : undefined;
    if (!link || !purposes.includes(link.purpose)) throw new AppError('LINK_INVALID');
    if (link.used_at !== null) throw new AppError('LINK_USED');
    if (clock() >= Number(link.expires_at)) throw new AppError('LINK_EXPIRED');
    return link;
  }
  return {
    async issue(userId, purpose, email) {
      const token = randomBytes(32).toString('base64url');
      const now = clock();
      await store.emailLinks.deleteForUser(userId, [purpose]);
      await store.emailLinks.insert({
        token_hash: hashToken(token),
        user_id: userId,
        purpose,
        email,
        created_at: now,
        expires_at: now + emailLinkTtlMs[purpose],
        used_at: null,
      });
      return token;
    },
    check,
    async consume(token, purposes) {
      const link = await check(token, purposes);
      if (!(await store.emailLinks.markUsed(link.token_hash, clock()))) throw new AppError('LINK_USED');
      return link;
    },
    async voidAll(userId, purposes) {
      await store.emailLinks.deleteForUser(userId, purposes);
    },
  };
}
