import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Store } from '../store/store.js';
import { UniqueViolation, type UserRecord } from '../store/users-repository.js';
import { assertStrongPassword } from './password-policy.js';
import { hashPassword } from './passwords.js';
import type { EmailVerification } from './email-verification.js';
import type { Locale } from '../views/messages/index.js';

/** The user as the bar renders it; the shape of `user` in `/api/me`. */
export interface PublicUser {
  id: string;
  name: string;
  email: string;
  picture: string | null;
  initials: string;
  /** Background colour for the initials avatar, stable per user. */
  color: string;
  /** Whether the owner of `email` proved it by following a link mailed to it. */
  emailVerified: boolean;
}

/** Trims and lower-cases the domain; the local part is kept as typed (RFC 5321 lets it be case-sensitive). */
export function normalizeEmail(raw: string): string {
  const email = raw.trim();
  const at = email.lastIndexOf('@');
  return at < 0 ? email : email.slice(0, at) + '@' + email.slice(at + 1).toLowerCase();
}

// Controls (Cc) break the line a name is shown on. Invisible and direction-changing characters (Cf) would let a
// name look like another's ("Ada\u200BLovelace") or reorder the text around it: zero-width space (U+200B), the
// bidi marks (U+200E, U+200F, U+061C), embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), the
// word joiner (U+2060) and the zero-width no-break space (U+FEFF). The joiners ZWNJ and ZWJ (U+200C, U+200D) stay:
// Persian and Indic names and emoji sequences need them.
const controlChars = /\p{Cc}/u;
const invisibleOrBidiChars = /[\u200B\u200E\u200F\u061C\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/u;

export const emailSchema = z
  .string()
  .max(254)
  .transform(normalizeEmail)
  .pipe(z.email({ message: 'Enter a valid email address.' }));
export const nameSchema = z
  .string()
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .min(1, 'Enter your name.')
      .max(80, 'Use at most 80 characters.')
      .refine((s) => !controlChars.test(s), 'Names cannot contain control characters.')
      .refine((s) => !invisibleOrBidiChars.test(s), 'Names cannot contain invisible characters or text-direction marks.'),
  );
/** Length and commonness are checked by `assertStrongPassword` (422), not here (400). */
export const newPasswordSchema = z.string().max(1024, 'Use at most 1024 characters.');
export const pictureSchema = z
  .url({ protocol: /^https$/, message: 'Use an https:// address.' })
  .max(2048, 'Use at most 2048 characters.')
  .nullable();

/** `locale`: the language of the verification mail (the sign-up's); without it, English. */
export type NewUser = { email: string; name: string; password: string; locale?: Locale };

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

// A second code unit that joins the first into one visible character: a combining mark, ZWJ, a variation
// selector, or the low half of a surrogate pair. Only then is the (slower) segmenter needed.
const joinsPrevious = /^[\p{M}\u200D\uFE0E\uFE0F\uDC00-\uDFFF]/u;

function firstGrapheme(word: string): string {
  if (word.length < 2 || !joinsPrevious.test(word.slice(1, 2))) return word.slice(0, 1);
  for (const { segment } of segmenter.segment(word)) return segment;
  return '';
}

/** "Ada King Lovelace" → "AL"; one word → its first letter. Works for any script. */
export function initialsOf(name: string): string {
  const words = name.split(/\s+/u).filter(Boolean);
  const first = words[0];
  if (first === undefined) return '?';
  const last = words.length > 1 ? words[words.length - 1] : undefined;
  return (firstGrapheme(first) + (last ? firstGrapheme(last) : '')).toLocaleUpperCase();
}

/** A hue from the id (FNV-1a: stable, cheap), at a lightness dark enough for white initials. */
function colorOf(id: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hslToHex((hash >>> 0) % 360, 0.55, 0.36);
}

function hslToHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(c * 255).toString(16).padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

export function toPublicUser(user: Pick<UserRecord, 'id' | 'name' | 'email' | 'picture' | 'email_verified_at'>): PublicUser {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    picture: user.picture,
    initials: initialsOf(user.name),
    color: colorOf(user.id),
    emailVerified: user.email_verified_at !== null,
  };
}

/** Creating accounts and changing profiles (passwords and sessions are the session service's). */
export interface UserService {
  /**
   * Throws 422 WEAK_PASSWORD for a weak password and 409 EMAIL_TAKEN when the address has an account in any casing.
   * Mails a link that verifies the address (queued: a mail server that is down does not fail the sign-up).
   */
  create(input: NewUser): Promise<PublicUser>;
  /** Changes what is given and answers the user as it now is; 401 UNAUTHENTICATED when the user is gone. */
  updateProfile(userId: string, changes: { name?: string; picture?: string | null }): Promise<PublicUser>;
}

/** Without `verification` (the demo seed, the CLI), no verification mail is sent. */
export function createUserService(store: Store, clock: Clock, verification?: Pick<EmailVerification, 'send'>): UserService {
  return {
    async create(input) {
      assertStrongPassword(input.password, input.email);
      const user: UserRecord = {
        id: randomUUID(),
        email: input.email,
        name: input.name,
        picture: null,
        password_hash: await hashPassword(input.password),
        created_at: clock(),
        email_verified_at: null,
      };
      try {
        await store.users.insert(user);
      } catch (err) {
        if (err instanceof UniqueViolation) throw new AppError('EMAIL_TAKEN');
        throw err;
      }
      await verification?.send(user, input.locale ?? 'en');
      return toPublicUser(user);
    },

    async updateProfile(userId, changes) {
      if (changes.name !== undefined || changes.picture !== undefined) await store.users.update(userId, changes);
      const user = await store.users.findById(userId);
      if (!user) throw new AppError('UNAUTHENTICATED');
      return toPublicUser(user);
    },
  };
}
