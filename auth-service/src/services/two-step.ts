import { createHmac, hkdfSync, randomInt } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Store } from '../store/store.js';
import { createSealedBox } from './sealed-box.js';
import { base32Decode, base32Encode, matchTotp, newTotpSecret, otpauthUri } from './totp.js';

/** How many recovery codes a user gets at a time. */
export const recoveryCodeCount = 10;
/** Letters and digits that cannot be mistaken for one another (no 0/o, 1/l/i). */
const recoveryAlphabet = 'abcdefghjkmnpqrstuvwxyz23456789';

/** What the set-up page shows: the secret as text (grouped for typing) and the URI its QR code holds. */
export interface TotpEnrolment {
  secret: string;
  otpauthUri: string;
}

export interface TwoStepStatus {
  /** True once an authenticator app was confirmed: sign-in then asks for a code. */
  enabled: boolean;
  recoveryCodesLeft: number;
}

/** Two-step verification: the user's authenticator app (TOTP) and recovery codes. No request or response here. */
export interface TwoStep {
  status(userId: string): Promise<TwoStepStatus>;
  /** A new secret to set up, replacing one not yet confirmed; 409 TWO_STEP_ALREADY_ON when it is on. */
  begin(user: { id: string; email: string }): Promise<TotpEnrolment>;
  /** The secret being set up (not yet confirmed), to show again; undefined when there is none. */
  pending(user: { id: string; email: string }): Promise<TotpEnrolment | undefined>;
  /**
   * Turns it on with the first code from the app (400 INVALID_CODE when wrong) and answers the recovery codes,
   * which are shown this once: only their HMAC is kept.
   */
  confirm(userId: string, code: string): Promise<string[]>;
  /**
   * Checks a code from the app or a recovery code. Each is accepted once: a TOTP code's time step is remembered
   * (that code and older ones are refused), a recovery code is marked used. Not throttled here: callers go
   * through the sign-in throttle first.
   */
  check(userId: string, code: string): Promise<boolean>;
  /** A new set of recovery codes in place of the old ones (which stop working), shown once. */
  newRecoveryCodes(userId: string): Promise<string[]>;
  /** Turns it off: the secret and the recovery codes are deleted. */
  disable(userId: string): Promise<void>;
}

/** A recovery code as typed: lower case, without spaces or dashes. */
const normalizeRecoveryCode = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');

export function createTwoStep(deps: { store: Store; secretKey: Buffer; clock: Clock; issuer: string }): TwoStep {
  const { store, clock } = deps;
  const box = createSealedBox(deps.secretKey, 'userbox totp secrets at rest v1', 'TOTP secret of');
  // Recovery codes carry about 50 bits: a keyed hash, so a copy of the database alone cannot be searched for them.
  const recoveryKey = Buffer.from(hkdfSync('sha256', deps.secretKey, Buffer.alloc(0), 'userbox recovery codes v1', 32));
  const hashRecoveryCode = (userId: string, code: string) =>
    createHmac('sha256', recoveryKey).update(`${userId}:${normalizeRecoveryCode(code)}`).digest('base64url');
  const label = new URL(deps.issuer).hostname;

  const enrolment = (secret: Buffer, email: string): TotpEnrolment => ({
    secret: base32Encode(secret).replace(/(.{4})(?=.)/g, '$1 '),
    otpauthUri: otpauthUri(secret, label, email),
  });

  async function confirmedSecret(userId: string) {
    const row = await store.totpCredentials.find(userId);
    if (!row || row.confirmed_at === null) return undefined;
    return { row, secret: base32Decode(box.open(row.secret_encrypted, userId)) };
  }

  async function issueRecoveryCodes(userId: string): Promise<string[]> {
    const codes = Array.from({ length: recoveryCodeCount }, () => {
      const chars = Array.from({ length: 10 }, () => recoveryAlphabet[randomInt(recoveryAlphabet.length)]).join('');
      return `${chars.slice(0, 5)}-${chars.slice(5)}`;
    });
    await store.recoveryCodes.replaceAll(userId, codes.map((c) => hashRecoveryCode(userId, c)), clock());
    return codes;
  }

  return {
    async status(userId) {
      const row = await store.totpCredentials.find(userId);
      const enabled = row !== undefined && row.confirmed_at !== null;
      return { enabled, recoveryCodesLeft: enabled ? await store.recoveryCodes.countUnused(userId) : 0 };
    },

    async begin(user) {
      const secret = newTotpSecret();
      const saved = await store.totpCredentials.saveUnconfirmed(user.id, box.seal(base32Encode(secret), user.id), clock());
      if (!saved) throw new AppError('TWO_STEP_ALREADY_ON');
      return enrolment(secret, user.email);
    },

    async pending(user) {
      const row = await store.totpCredentials.find(user.id);
      if (!row || row.confirmed_at !== null) return undefined;
      return enrolment(base32Decode(box.open(row.secret_encrypted, user.id)), user.email);
    },

    async confirm(userId, code) {
      const row = await store.totpCredentials.find(userId);
      if (!row || row.confirmed_at !== null) throw new AppError('TWO_STEP_NOT_PENDING');
      const now = clock();
      const step = matchTotp(base32Decode(box.open(row.secret_encrypted, userId)), code.trim(), now, null);
      if (step === null) throw new AppError('INVALID_CODE', 'That code is not right. Check the time on your device and try the newest code.');
      if (!(await store.totpCredentials.confirm(userId, step, now))) throw new AppError('TWO_STEP_NOT_PENDING');
      return issueRecoveryCodes(userId);
    },

    async check(userId, code) {
      const given = code.replace(/\s/g, '');
      if (given.length === 0 || given.length > 32) return false;
      const found = await confirmedSecret(userId);
      if (!found) return false;
      // Six digits are an app's code; anything else a recovery code (ten characters, which may all be digits).
      if (/^\d{6}$/.test(given)) {
        const step = matchTotp(found.secret, given, clock(), found.row.last_used_step === null ? null : Number(found.row.last_used_step));
        return step !== null && (await store.totpCredentials.useStep(userId, step));
      }
      return store.recoveryCodes.use(userId, hashRecoveryCode(userId, given), clock());
    },

    async newRecoveryCodes(userId) {
      if (!(await confirmedSecret(userId))) throw new AppError('TWO_STEP_NOT_ON');
      return issueRecoveryCodes(userId);
    },

    async disable(userId) {
      await store.recoveryCodes.deleteAll(userId);
      await store.totpCredentials.delete(userId);
    },
  };
}
