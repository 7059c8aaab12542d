import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Locale } from '../views/messages/index.js';
import { emailKey, UniqueViolation, type UserRecord } from '../store/users-repository.js';
import { changeEmailMail, emailChangeNoticeMail, verifyEmailMail } from '../views/mails.js';
import type { EmailLinks } from './email-links.js';
import type { Mailer } from './mail.js';
import type { MailLimits } from './mail-limits.js';

/** Proving an address: the link mailed at sign-up, again on request, and the one that changes the address. */
export interface EmailVerification {
  /** Mails a link that proves the user's current address (sign-up), in `locale` (the request's language). */
  send(user: Pick<UserRecord, 'id' | 'email' | 'name'>, locale: Locale): Promise<void>;
  /** `send` again on the user's request; 429 TOO_MANY_ATTEMPTS past the per-address or per-IP limit. */
  resend(userId: string, ip: string, locale: Locale): Promise<void>;
  /**
   * Follows a verification or change link (it works once): the address it names is now the account's and is
   * verified. `signedIn`: the accounts signed in on the browser where it is followed; when there are some and the
   * link is none of theirs, it is LINK_FOREIGN (a browser signed out follows any link).
   * An address another account took meanwhile is 409 EMAIL_TAKEN (and the link stays unused).
   */
  verify(token: string, signedIn: readonly string[]): Promise<{ userId: string; email: string }>;
  /** Checks a link as `verify` would, changing nothing (for the page that asks to confirm); answers its address. */
  check(token: string, signedIn: readonly string[]): Promise<{ email: string }>;
  /**
   * Asks to change the address (the caller has checked the password): a link to the new address, a notice to the
   * old; nothing changes until the link is followed. 409 EMAIL_TAKEN when the new address has an account.
   */
  requestChange(user: Pick<UserRecord, 'id' | 'email' | 'name'>, newEmail: string, ip: string, locale: Locale): Promise<void>;
}

export function createEmailVerification(deps: { store: Store; links: EmailLinks; mailer: Mailer; limits: MailLimits; publicUrl: string; clock: Clock }): EmailVerification {
  const { store, links, mailer, limits, publicUrl, clock } = deps;
  const linkTo = (token: string) => `${publicUrl}/verify-email?token=${token}`;
  const purposes = ['verify_email', 'change_email'] as const;

  async function followable(token: string, signedIn: readonly string[]) {
    const link = await links.check(token, purposes);
    if (signedIn.length > 0 && !signedIn.includes(link.user_id)) throw new AppError('LINK_FOREIGN');
    const user = await store.users.findById(link.user_id);
    if (!user) throw new AppError('LINK_INVALID');
    // A sign-up link for an address the account no longer has proves nothing about the current one.
    if (link.purpose === 'verify_email' && emailKey(link.email) !== emailKey(user.email)) throw new AppError('LINK_INVALID');
    if (link.purpose === 'change_email') {
      const holder = await store.users.findByEmail(link.email);
      if (holder && holder.id !== user.id) throw new AppError('EMAIL_TAKEN');
    }
    return { link, user };
  }

  async function send(user: Pick<UserRecord, 'id' | 'email' | 'name'>, locale: Locale) {
    const token = await links.issue(user.id, 'verify_email', user.email);
    await mailer.send(verifyEmailMail(locale, user.email, user.name, linkTo(token)));
  }

  return {
    send,
    async resend(userId, ip, locale) {
      const user = await store.users.findById(userId);
      if (!user) throw new AppError('UNAUTHENTICATED');
      if (user.email_verified_at !== null) return;
      await limits.count(emailKey(user.email), ip);
      await send(user, locale);
    },
    async check(token, signedIn) {
      const { link } = await followable(token, signedIn);
      return { email: link.email };
    },
    async verify(token, signedIn) {
      const { link, user } = await followable(token, signedIn);
      await links.consume(token, purposes);
      const now = clock();
      if (link.purpose === 'change_email') {
        try {
          await store.users.update(user.id, { email: link.email, email_verified_at: now });
        } catch (err) {
          if (err instanceof UniqueViolation) throw new AppError('EMAIL_TAKEN');
          throw err;
        }
        // Links mailed to the old address (a pending sign-up link, a reset) no longer belong to this account.
        await links.voidAll(user.id, ['verify_email', 'reset_password']);
      } else {
        await store.users.update(user.id, { email_verified_at: now });
      }
      return { userId: user.id, email: link.email };
    },
    async requestChange(user, newEmail, ip, locale) {
      const holder = await store.users.findByEmail(newEmail);
      if (holder) throw new AppError('EMAIL_TAKEN', holder.id === user.id ? 'This is already your address.' : undefined);
      await limits.count(emailKey(newEmail), ip);
      const token = await links.issue(user.id, 'change_email', newEmail);
      await mailer.send(changeEmailMail(locale, newEmail, user.name, linkTo(token)));
      await mailer.send(emailChangeNoticeMail(locale, user.email, user.name, newEmail));
    },
  };
}
