import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Store } from '../store/store.js';
import type { Locale } from '../views/messages/index.js';
import { emailKey } from '../store/users-repository.js';
import { passwordChangedMail, resetPasswordMail } from '../views/mails.js';
import type { EmailLinks } from './email-links.js';
import type { KnownDevices } from './known-devices.js';
import type { Mailer } from './mail.js';
import type { MailLimits } from './mail-limits.js';
import { assertStrongPassword } from './password-policy.js';
import { hashPassword } from './passwords.js';

/** The job that looks the address up and, if it has an account, mails it a reset link. */
export const passwordResetJob = 'account.password-reset';

/** "Forgot password?": a mailed single-use link (30 minutes) that lets the owner of the address choose a new one. */
export interface PasswordReset {
  /**
   * Asks for a link to `email`. The answer and the work in the request are the same whether the address has an
   * account or not (no enumeration): the limits are counted and one job is stored; the job looks the account up
   * and mails the link, in `locale`. 429 TOO_MANY_ATTEMPTS past the per-address or per-IP limit, for any address.
   */
  request(email: string, ip: string, locale: Locale): Promise<void>;
  /** The account's address if the link may still be used (LINK_INVALID, LINK_USED, LINK_EXPIRED otherwise). */
  check(token: string): Promise<{ email: string }>;
  /**
   * Sets the new password (the same rules as ever: 422 WEAK_PASSWORD, checked before the link is spent), then ends
   * every session of the account (and so its refresh tokens and codes) and every known device, voids the other
   * reset links, and mails a notice that the password changed. The address counts as verified from then on.
   */
  complete(token: string, newPassword: string, locale: Locale): Promise<void>;
  /** Registers the job's handler on the queue. */
  work(): Promise<void>;
}

export function createPasswordReset(deps: {
  store: Store;
  links: EmailLinks;
  mailer: Mailer;
  limits: MailLimits;
  jobs: JobQueue;
  devices: KnownDevices;
  publicUrl: string;
  clock: Clock;
}): PasswordReset {
  const { store, links, mailer, limits, jobs, devices, publicUrl, clock } = deps;
  const purpose = ['reset_password'] as const;

  async function usable(token: string) {
    const link = await links.check(token, purpose);
    const user = await store.users.findById(link.user_id);
    // A link mailed to an address the account no longer has is not the owner's any more.
    if (!user || emailKey(user.email) !== emailKey(link.email)) throw new AppError('LINK_INVALID');
    return user;
  }

  return {
    async request(email, ip, locale) {
      await limits.count(emailKey(email), ip);
      await jobs.enqueue(passwordResetJob, { email, locale });
    },
    async check(token) {
      const user = await usable(token);
      return { email: user.email };
    },
    async complete(token, newPassword, locale) {
      const user = await usable(token);
      assertStrongPassword(newPassword, user.email);
      const passwordHash = await hashPassword(newPassword);
      await links.consume(token, purpose);
      // The link reached the address, which proves it as a verification link would.
      await store.users.update(user.id, { password_hash: passwordHash, ...(user.email_verified_at === null ? { email_verified_at: clock() } : {}) });
      // Sessions first: their refresh tokens and authorization codes go with them (ON DELETE CASCADE), and the
      // caches in front of the store forget them.
      await store.sessions.deleteAllForUser(user.id);
      await devices.endAll(user.id);
      await links.voidAll(user.id, purpose);
      await mailer.send(passwordChangedMail(locale, user.email, user.name));
    },
    async work() {
      // `locale` is absent from a job queued before the mails spoke several languages.
      await jobs.work<{ email: string; locale?: Locale }>(passwordResetJob, async ({ email, locale = 'en' }) => {
        const user = await store.users.findByEmail(email);
        if (!user) return;
        const token = await links.issue(user.id, 'reset_password', user.email);
        await mailer.send(resetPasswordMail(locale, user.email, user.name, `${publicUrl}/reset-password?token=${token}`));
      });
    },
  };
}
