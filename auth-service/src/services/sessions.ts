import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { SessionWithUser } from '../store/sessions-repository.js';
import type { Store } from '../store/store.js';
import type { UserRecord } from '../store/users-repository.js';
import { describeDevice, describePlace, knownTimeZone } from './device.js';
import type { IssuedDevice, KnownDevice, KnownDevices } from './known-devices.js';
import type { LoginAttempt, LoginThrottle } from './login-throttle.js';
import { assertStrongPassword } from './password-policy.js';
import { hashPassword, noPassword, verifyPassword } from './passwords.js';
import { toPublicUser, type PublicUser } from './users.js';
import { hashToken } from './token-hash.js';
import { amrFor, amrOf, type AuthMethod } from './auth-methods.js';
import type { TwoStep } from './two-step.js';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Passkeys } from './passkeys.js';

/** What `/api/me` and `POST /api/session` answer when signed in. */
export interface SessionView {
  user: PublicUser;
  session: { id: string; expiresAt: string };
}

/** What a browser's cookies must now hold: its session token and its known-device token. */
export interface SessionCookies {
  /** The secret cookie value; only its hash is stored. */
  token: string;
  /** Absolute expiry in ms, for the cookie's Max-Age. */
  expiresAt: number;
  /** Marks this browser as one that signed in to this account (see KnownDevices). */
  device: IssuedDevice;
}

export interface SignedIn extends SessionView, SessionCookies {
  /** The token of the browser's session this sign-in renewed (the same account again), which `token` replaces. */
  replaces?: string;
}

/**
 * One of the accounts a browser holds: a live session behind one of the tokens in its cookie. Its handle in
 * `/api/me`'s `accounts` is the session id: not the user id, and meaningless without this browser's cookie.
 */
export interface BrowserSession {
  token: string;
  view: SessionView;
  /** When the session was signed in (ms): the OIDC `auth_time`. */
  createdAt: number;
  /** Absolute expiry (ms), for the cookie's lifetime. */
  expiresAt: number;
}

/** How many accounts one browser may hold at once; one more is `TOO_MANY_ACCOUNTS`. */
export const maxAccountsPerBrowser = 5;

export const tooManyAccounts = (): AppError =>
  new AppError('TOO_MANY_ACCOUNTS', `This browser is already signed in to ${maxAccountsPerBrowser} accounts. Sign out of one of them to add another.`);

/** A sign-in whose password was right and that now waits for a code: no session yet. */
export interface SecondStepRequired {
  secondStep: {
    /** The secret the browser keeps (in a cookie) until the code is given; only its hash is stored. */
    token: string;
    /** Absolute expiry in ms. */
    expiresAt: number;
  };
}

export type SignInResult = SignedIn | SecondStepRequired;

/** Whether a sign-in (of the session service, or as a browser's accounts take it) still waits for its second step. */
export const needsSecondStep = <T extends object>(result: T | SecondStepRequired): result is SecondStepRequired => 'secondStep' in result;

/** How long the second step may take after the password. */
export const secondStepTtlMs = 5 * 60_000;
/** Wrong codes one pending sign-in takes before the user must give the password again. */
const secondStepMaxFailures = 5;

/** How recent a sign-in must be to set a password on an account that has none. */
export const recentSignInMs = 10 * 60_000;

/** Fresh proof for a sensitive change: the current password, or a code from the app (or a recovery code). */
export type IdentityProof = { password: string } | { code: string };

/** One row of the account page's session list. */
export interface SessionSummary {
  id: string;
  current: boolean;
  device: string;
  ip: string;
  /** Where it began, from the browser's time zone ("Berlin, Europe"), or null. */
  place: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

/** A session that is still alive, as the token paths use it: its record, its user, and when it now ends (ms). */
export interface LiveSession extends SessionWithUser {
  /** The earlier of the absolute expiry and the idle timeout counted from the last activity. */
  effectiveExpiresAt: number;
  /** How the user signed in (RFC 8176), for the ID token's `amr`; the session's created_at is its auth_time. */
  methods: AuthMethod[];
}

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

/** last_seen_at is written at most this often per session, so reads stay reads. */
const touchIntervalMs = 60_000;

/** Who is checking a password: what the sign-in throttle counts by. */
export interface PasswordCheckMeta {
  ip: string;
  /** Known-device tokens the browser presented. */
  deviceTokens: readonly string[];
}

export interface SignInMeta extends PasswordCheckMeta {
  userAgent: string;
  /** The browser's IANA time zone, as the sign-in form reports it; unknown values are dropped. */
  timeZone?: unknown;
}

/** Account sessions: sign-in, the cookie's session, the sessions OIDC tokens are bound to, sign-out. */
export interface SessionService {
  /**
   * Checks the password (throttled) and opens a new session: a fresh id every time, so no fixation. `held` are the
   * browser's other accounts: when the password is one of theirs, that session is renewed instead (a new token,
   * signed in now; same id, so its grants stay) and the answer says which token it `replaces`; when the browser
   * already holds `maxAccountsPerBrowser` others, `TOO_MANY_ACCOUNTS`. Voids the account's password-reset links.
   * When the account has two-step verification on, there is no session yet: the answer is a pending sign-in for
   * `completeSecondStep`, and the password's check stays counted by the throttle until the code passes (so
   * giving the password again does not reset the count of wrong codes).
   */
  signIn(email: string, password: string, meta: SignInMeta, held?: readonly BrowserSession[]): Promise<SignInResult>;
  /**
   * The second step: a code from the app or a recovery code for the pending sign-in behind `token` (the
   * browser's). Wrong codes go through the sign-in throttle and count against the pending sign-in (401
   * INVALID_CODE); past a few, or after `secondStepTtlMs`, it is gone (401 SECOND_STEP_EXPIRED). It completes
   * once, with a session whose amr is `pwd otp mfa`, under the same rules of `held` as `signIn`.
   */
  completeSecondStep(token: string | undefined, code: string, meta: SignInMeta, held?: readonly BrowserSession[]): Promise<SignedIn>;
  /**
   * Signs in with a passkey's answer to the challenge this browser was given (see Passkeys): a normal session, whose
   * amr is `hwk mfa` or `swk mfa`, under the same rules of `held` as `signIn`. A passkey is a sign-in of its own: no
   * second step follows it.
   */
  signInWithPasskey(
    challengeToken: string | undefined,
    response: AuthenticationResponseJSON,
    meta: SignInMeta,
    held?: readonly BrowserSession[],
  ): Promise<SignedIn>;
  /** Fresh proof for a sensitive change (turning two-step off, new recovery codes), throttled like a sign-in. */
  confirmIdentity(userId: string, proof: IdentityProof, meta: PasswordCheckMeta): Promise<void>;
  /**
   * Needs the current password (throttled like a sign-in). Ends every other session of the user and every
   * known-device token; this session stays signed in under a new token, and this browser gets a new known-device
   * token. Answers the cookies to set.
   */
  changePassword(me: SessionView, current: string, next: string, meta: PasswordCheckMeta): Promise<SessionCookies>;
  /**
   * Checks the signed-in user's password before something that needs it (an email change, deleting the account),
   * throttled like a sign-in: 401 INVALID_CREDENTIALS with `wrongMessage`, 429 when it must wait.
   */
  confirmPassword(userId: string, password: string, meta: PasswordCheckMeta): Promise<UserRecord>;
  /**
   * Passkeys only from now on: needs the current password (throttled) and at least one passkey (409
   * PASSKEY_REQUIRED). Ends every other session and known-device token, as a password change does.
   */
  removePassword(me: SessionView, current: string, meta: PasswordCheckMeta): Promise<SessionCookies>;
  /**
   * Gives an account with passkeys only a password again. There is no current password to prove, so the session
   * must have signed in within `recentSignInMs` (401 RECENT_SIGN_IN_REQUIRED); 409 PASSWORD_EXISTS when it has one.
   */
  setPassword(me: SessionView, next: string, meta: PasswordCheckMeta): Promise<SessionCookies>;
  /** False for an account that signs in with passkeys only. */
  hasPassword(userId: string): Promise<boolean>;
  /** The session behind a cookie value, or null when there is none or it has expired (then it is deleted). */
  authenticate(token: string | undefined): Promise<SessionView | null>;
  /** The live sessions behind a browser's tokens, in the cookie's order; ended ones are left out (and deleted). */
  authenticateAll(tokens: readonly string[]): Promise<BrowserSession[]>;
  /**
   * The session an OIDC grant or token is bound to (its `sid`), if it still exists and has not expired. Tokens
   * are checked against it on every refresh and Bearer request, so a sign-out stops them at once; their use
   * counts as activity, like use of the cookie.
   */
  live(sessionId: string): Promise<LiveSession | null>;
  /** The `/api/me` body for a live session: the same as with the cookie. */
  view(session: LiveSession): SessionView;
  signOut(token: string | undefined): Promise<void>;
  /** The user's sessions that are still alive, for the account page; `currentId` is marked current. */
  list(userId: string, currentId: string): Promise<SessionSummary[]>;
  /** Ends one of the user's sessions; 404 when it is not theirs. */
  revoke(userId: string, sessionId: string): Promise<void>;
  /** Signs out everywhere: every session of the user, including this one. Answers how many ended. */
  revokeAll(userId: string): Promise<number>;
}

export function createSessionService(
  store: Store,
  policy: SessionPolicy,
  throttle: LoginThrottle,
  devices: KnownDevices,
  clock: Clock,
  twoStep: TwoStep,
  passkeys: Passkeys,
): SessionService {
  const effectiveExpiry = (s: { last_seen_at: number; expires_at: number }) =>
    Math.min(Number(s.expires_at), Number(s.last_seen_at) + policy.idleMs);

  // A cached session hands back the same record on every hit, so its answer is built once per record and
  // expiry (which moves only when last_seen_at is written, at most once a minute), not on every request: the
  // initials, the avatar colour and the ISO date. Records are never changed in place (a change drops the copy);
  // answers are frozen because they are shared, and never cross sessions (one per record).
  const views = new WeakMap<SessionWithUser, { expiresAt: number; view: SessionView }>();
  const view = (s: SessionWithUser, lastSeenAt: number): SessionView => {
    const expiresAt = effectiveExpiry({ last_seen_at: lastSeenAt, expires_at: s.expires_at });
    const known = views.get(s);
    if (known?.expiresAt === expiresAt) return known.view;
    const fresh: SessionView = Object.freeze({
      user: Object.freeze(toPublicUser(s.user)),
      session: Object.freeze({ id: s.id, expiresAt: new Date(expiresAt).toISOString() }),
    });
    views.set(s, { expiresAt, view: fresh });
    return fresh;
  };

  /** Records activity on a found session (at most once a minute); null when it has expired, else its last_seen_at. */
  async function keepAlive(found: SessionWithUser): Promise<number | null> {
    const now = clock();
    if (now >= effectiveExpiry(found)) return null;
    let lastSeen = Number(found.last_seen_at);
    if (now - lastSeen >= touchIntervalMs) {
      lastSeen = now;
      await store.sessions.touch(found, now);
    }
    return lastSeen;
  }

  /**
   * Every check of a user's password, at sign-in and at a password change, goes through the sign-in throttle
   * (429 before argon2 runs when it must wait). `user` is undefined for an unknown email, which is checked
   * against a dummy hash and counted the same way.
   */
  async function checkPassword(
    email: string,
    user: UserRecord | undefined,
    password: string,
    meta: PasswordCheckMeta,
    wrongMessage?: string,
  ): Promise<{ user: UserRecord; knownDevice: KnownDevice | undefined; attempt: LoginAttempt }> {
    const knownDevice = await devices.recognise(user?.id, meta.deviceTokens);
    const attempt = await throttle.begin(email, meta.ip, knownDevice?.tokenHash);
    const ok = await verifyPassword(user?.password_hash, password);
    // Counted as a failure already (see LoginThrottle): a wrong password needs nothing more.
    if (!user || !ok) throw new AppError('INVALID_CREDENTIALS', wrongMessage);
    return { user, knownDevice, attempt };
  }

  /** A code for the user, through the sign-in throttle like a password; false when wrong (already counted). */
  async function checkCode(user: UserRecord, code: string, meta: PasswordCheckMeta): Promise<{ ok: boolean; knownDevice: KnownDevice | undefined }> {
    const knownDevice = await devices.recognise(user.id, meta.deviceTokens);
    const attempt = await throttle.begin(user.email, meta.ip, knownDevice?.tokenHash);
    const ok = await twoStep.check(user.id, code);
    if (ok) await attempt.succeeded();
    return { ok, knownDevice };
  }

  const newToken = () => randomBytes(32).toString('base64url');

  /**
   * The live session behind one cookie token, given to `build`, or null (an expired one is deleted). `build` is one
   * of the two constant functions below, so the hot path (`authenticate`) allocates nothing of its own.
   */
  async function whenLive<T>(token: string | undefined, build: (found: SessionWithUser, lastSeen: number, token: string) => T): Promise<T | null> {
    if (!token || token.length > 128) return null;
    const tokenHash = hashToken(token);
    const found = await store.sessions.findByTokenHash(tokenHash);
    if (!found) return null;
    const lastSeen = await keepAlive(found);
    if (lastSeen === null) {
      await store.sessions.deleteByTokenHash(tokenHash);
      return null;
    }
    return build(found, lastSeen, token);
  }
  const asView = (found: SessionWithUser, lastSeen: number): SessionView => view(found, lastSeen);
  const asBrowserSession = (found: SessionWithUser, lastSeen: number, token: string): BrowserSession => ({
    token,
    view: view(found, lastSeen),
    createdAt: Number(found.created_at),
    expiresAt: Number(found.expires_at),
  });
  const findLive = (token: string) => whenLive(token, asBrowserSession);

  /**
   * A new password hash (or none) for the user: this session stays signed in under a new token, every other session
   * and every known-device token ends (whoever knew the old password may have signed in somewhere), and this
   * browser gets a new known-device token. Answers the cookies to set.
   */
  async function replaceCredentials(me: SessionView, user: UserRecord, passwordHash: string, knownDevice: KnownDevice | undefined): Promise<SessionCookies> {
    const token = newToken();
    // The token first: the user update and the deletion after it drop every cached session of the user from
    // the caches in front of the store (local and Redis), the old token's entry included.
    const session = await store.sessions.replaceToken(me.session.id, hashToken(token));
    if (!session) throw new AppError('UNAUTHENTICATED');
    await store.users.update(user.id, { password_hash: passwordHash });
    await store.sessions.deleteAllForUser(user.id, me.session.id);
    await devices.endAll(user.id);
    const device = await devices.issue(user.id, knownDevice);
    return { token, expiresAt: Number(session.expires_at), device };
  }

  /**
   * A session for a user who has just proved who they are by `methods`: a new one (a fresh id every time, so no
   * fixation), or, when `held` (the browser's other accounts) has this user, that one renewed in place (a new token,
   * signed in now by `methods`; same id, so its grants stay), the answer saying which token it `replaces`. A browser
   * that already holds `maxAccountsPerBrowser` other accounts gets `TOO_MANY_ACCOUNTS`. Whoever signs in needs no
   * password-reset link: one still in a mailbox stops working.
   */
  async function openSession(
    user: UserRecord,
    methods: readonly AuthMethod[],
    meta: SignInMeta,
    knownDevice: KnownDevice | undefined,
    held: readonly BrowserSession[],
  ): Promise<SignedIn> {
    const now = clock();
    const token = newToken();
    const amr = methods.join(' ');
    const expiresAt = now + policy.absoluteMs;
    const again = held.find((h) => h.view.user.id === user.id);
    let opened: (SessionView & { replaces?: string }) | undefined;
    if (again) {
      const session = { id: again.view.session.id, token_hash: hashToken(again.token), user_id: user.id };
      const renewed = (await store.sessions.renew(session, hashToken(token), now, expiresAt, amr)) ? await store.sessions.findById(session.id) : undefined;
      // Gone meanwhile (signed out elsewhere): a new session below, as for any other account.
      if (renewed) opened = { ...view(renewed, now), replaces: again.token };
    } else if (held.length >= maxAccountsPerBrowser) {
      throw tooManyAccounts();
    }
    if (!opened) {
      const record = {
        id: randomBytes(16).toString('base64url'),
        token_hash: hashToken(token),
        user_id: user.id,
        created_at: now,
        last_seen_at: now,
        expires_at: expiresAt,
        user_agent: meta.userAgent.slice(0, 512),
        ip: meta.ip.slice(0, 64),
        time_zone: knownTimeZone(meta.timeZone),
        amr,
      };
      await store.sessions.insert(record);
      opened = view({ ...record, user }, now);
    }
    await store.emailLinks.deleteForUser(user.id, ['reset_password']);
    const device = await devices.issue(user.id, knownDevice);
    return { ...opened, token, expiresAt, device };
  }

  /** Refuses early a sign-in the browser has no room for, before a second step is asked of the user. */
  function assertRoom(user: UserRecord, held: readonly BrowserSession[]): void {
    if (held.length >= maxAccountsPerBrowser && !held.some((h) => h.view.user.id === user.id)) throw tooManyAccounts();
  }

  return {
    async signIn(email: string, password: string, meta: SignInMeta, held: readonly BrowserSession[] = []): Promise<SignInResult> {
      const { user, knownDevice, attempt } = await checkPassword(email, await store.users.findByEmail(email), password, meta);
      if (!(await twoStep.status(user.id)).enabled) {
        await attempt.succeeded();
        return openSession(user, ['pwd'], meta, knownDevice, held);
      }
      assertRoom(user, held);
      const now = clock();
      await store.pendingSignIns.deleteExpired(now);
      const token = newToken();
      const expiresAt = now + secondStepTtlMs;
      await store.pendingSignIns.insert({ token_hash: hashToken(token), user_id: user.id, methods: 'pwd', created_at: now, expires_at: expiresAt });
      return { secondStep: { token, expiresAt } };
    },

    async completeSecondStep(token: string | undefined, code: string, meta: SignInMeta, held: readonly BrowserSession[] = []): Promise<SignedIn> {
      if (!token || token.length > 128) throw new AppError('SECOND_STEP_EXPIRED');
      const tokenHash = hashToken(token);
      const pending = await store.pendingSignIns.find(tokenHash);
      if (!pending || clock() >= Number(pending.expires_at)) throw new AppError('SECOND_STEP_EXPIRED');
      const user = await store.users.findById(pending.user_id);
      if (!user) throw new AppError('SECOND_STEP_EXPIRED');
      const { ok, knownDevice } = await checkCode(user, code, meta);
      if (!ok) {
        if ((await store.pendingSignIns.recordFailure(tokenHash)) >= secondStepMaxFailures) {
          await store.pendingSignIns.take(tokenHash);
          throw new AppError('SECOND_STEP_EXPIRED', 'Too many wrong codes. Sign in again.');
        }
        throw new AppError('INVALID_CODE');
      }
      // Used once: of two requests with right codes at once, only the one that deletes it gets the session.
      if (!(await store.pendingSignIns.take(tokenHash))) throw new AppError('SECOND_STEP_EXPIRED');
      return openSession(user, amrFor([...amrOf(pending.methods), 'otp']), meta, knownDevice, held);
    },

    async signInWithPasskey(
      challengeToken: string | undefined,
      response: AuthenticationResponseJSON,
      meta: SignInMeta,
      held: readonly BrowserSession[] = [],
    ): Promise<SignedIn> {
      const { user, methods } = await passkeys.verifySignIn(challengeToken, response);
      return openSession(user, methods, meta, await devices.recognise(user.id, meta.deviceTokens), held);
    },

    async confirmIdentity(userId: string, proof: IdentityProof, meta: PasswordCheckMeta): Promise<void> {
      const user = await store.users.findById(userId);
      if (!user) throw new AppError('UNAUTHENTICATED');
      if ('password' in proof) {
        const { attempt } = await checkPassword(user.email, user, proof.password, meta, 'The password is wrong.');
        await attempt.succeeded();
        return;
      }
      if (!(await checkCode(user, proof.code, meta)).ok) throw new AppError('INVALID_CODE');
    },

    async changePassword(me: SessionView, current: string, next: string, meta: PasswordCheckMeta): Promise<SessionCookies> {
      const found = await store.users.findById(me.user.id);
      if (!found) throw new AppError('UNAUTHENTICATED');
      const { user, knownDevice, attempt } = await checkPassword(found.email, found, current, meta, 'The current password is wrong.');
      await attempt.succeeded();
      assertStrongPassword(next, user.email);
      return replaceCredentials(me, user, await hashPassword(next), knownDevice);
    },

    async removePassword(me: SessionView, current: string, meta: PasswordCheckMeta): Promise<SessionCookies> {
      const found = await store.users.findById(me.user.id);
      if (!found) throw new AppError('UNAUTHENTICATED');
      if ((await store.passkeys.listByUser(found.id)).length === 0) throw new AppError('PASSKEY_REQUIRED');
      const { user, knownDevice, attempt } = await checkPassword(found.email, found, current, meta, 'The current password is wrong.');
      await attempt.succeeded();
      return replaceCredentials(me, user, noPassword, knownDevice);
    },

    async setPassword(me: SessionView, next: string, meta: PasswordCheckMeta): Promise<SessionCookies> {
      const session = await store.sessions.findById(me.session.id);
      if (!session) throw new AppError('UNAUTHENTICATED');
      if (session.user.password_hash !== noPassword) throw new AppError('PASSWORD_EXISTS');
      if (clock() - Number(session.created_at) > recentSignInMs) throw new AppError('RECENT_SIGN_IN_REQUIRED');
      assertStrongPassword(next, session.user.email);
      return replaceCredentials(me, session.user, await hashPassword(next), await devices.recognise(session.user.id, meta.deviceTokens));
    },

    async hasPassword(userId: string): Promise<boolean> {
      const user = await store.users.findById(userId);
      return user !== undefined && user.password_hash !== noPassword;
    },

    async confirmPassword(userId: string, password: string, meta: PasswordCheckMeta): Promise<UserRecord> {
      const found = await store.users.findById(userId);
      if (!found) throw new AppError('UNAUTHENTICATED');
      const { user, attempt } = await checkPassword(found.email, found, password, meta, 'The password is wrong.');
      await attempt.succeeded();
      return user;
    },

    async authenticate(token: string | undefined): Promise<SessionView | null> {
      return whenLive(token, asView);
    },

    async authenticateAll(tokens: readonly string[]): Promise<BrowserSession[]> {
      const found = await Promise.all(tokens.map(findLive));
      return found.filter((s): s is BrowserSession => s !== null);
    },

    async live(sessionId: string): Promise<LiveSession | null> {
      const found = await store.sessions.findById(sessionId);
      if (!found) return null;
      const lastSeen = await keepAlive(found);
      if (lastSeen === null) return null;
      return {
        ...found,
        last_seen_at: lastSeen,
        effectiveExpiresAt: effectiveExpiry({ last_seen_at: lastSeen, expires_at: found.expires_at }),
        methods: amrOf(found.amr),
      };
    },

    view: (session: LiveSession): SessionView => view(session, session.last_seen_at),

    async signOut(token: string | undefined): Promise<void> {
      if (token && token.length <= 128) await store.sessions.deleteByTokenHash(hashToken(token));
    },

    async list(userId: string, currentId: string): Promise<SessionSummary[]> {
      const now = clock();
      const rows = await store.sessions.listByUser(userId);
      return rows
        .filter((s) => effectiveExpiry(s) > now)
        .map((s) => ({
          id: s.id,
          current: s.id === currentId,
          device: describeDevice(s.user_agent),
          ip: s.ip,
          place: describePlace(s.time_zone),
          createdAt: new Date(Number(s.created_at)).toISOString(),
          lastSeenAt: new Date(Number(s.last_seen_at)).toISOString(),
          expiresAt: new Date(effectiveExpiry(s)).toISOString(),
        }));
    },

    async revoke(userId: string, sessionId: string): Promise<void> {
      if (!(await store.sessions.deleteForUser(userId, sessionId))) throw new AppError('NOT_FOUND', 'No such session.');
    },

    async revokeAll(userId: string): Promise<number> {
      return store.sessions.deleteAllForUser(userId);
    },
  };
}
