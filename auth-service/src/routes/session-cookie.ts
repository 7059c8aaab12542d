import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { Request, Response } from 'express';
import type { Clock } from '../clock.js';
import type { IssuedDevice } from '../services/known-devices.js';
import { maxAccountsPerBrowser } from '../services/sessions.js';

/** The value of one cookie from the request's Cookie header (the first one of that name). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  // Walks the header in place rather than splitting it: every signed-in /api/me reads a cookie.
  for (let start = 0; start < header.length; ) {
    let end = header.indexOf(';', start);
    if (end < 0) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq > start && eq < end && header.slice(start, eq).trim() === name) return header.slice(eq + 1, end).trim();
    start = end + 1;
  }
  return undefined;
}

/** The name of the cookie that tells the site's tabs to ask again (see `createSessionCookie`). */
const syncCookieName = 'userbox_sync';

/**
 * The domain the sync cookie is shared on: the service's host name without its first label when it has three
 * or more (`accounts.example.com` → `example.com`), else none (host-only: `localhost` and IP addresses, whose
 * cookies every port shares anyway). A service under a multi-label public suffix (`co.uk`) sets it in config.
 */
export function defaultSyncDomain(publicUrl: string): string | undefined {
  const { hostname } = new URL(publicUrl);
  const labels = hostname.split('.');
  return isIP(hostname) || labels.length < 3 ? undefined : labels.slice(-2).join('.');
}

/**
 * The session cookie. On https it is `__Host-` prefixed and `Secure` (bound to this exact host, path `/`);
 * always HttpOnly and SameSite=Lax, so same-site apps' fetches carry it and cross-site POSTs do not. It holds the
 * tokens of the browser's accounts (ADR 0005): each a random 32 bytes (base64url) of its own session, joined by
 * `.`, the default account first. Nothing in it names an account; the service keeps only the tokens' hashes.
 *
 * Whenever it is set or cleared, and whenever what the box shows of the user changes (`changed`), the service
 * also gives the whole site a new `userbox_sync` cookie: 9 random bytes, readable by script (not HttpOnly),
 * naming nobody and derived from nothing. Every `<user-box>` on the site watches it, so a sign-in or sign-out in
 * one app reaches the tabs of the site's other apps, which a BroadcastChannel (one origin) cannot reach; and a box
 * trusts the view it kept only while the cookie still has the value the view was fetched under. The cookie is set only when the
 * browser's accounts change, so every change of accounts renews it too.
 */
export interface SessionCookie {
  /**
   * The tokens in the request's session cookie (`__Host-userbox_session` on https, `userbox_session` on http), in
   * order: well-formed ones only, no repeats, at most `maxAccountsPerBrowser`.
   */
  read(req: Request): string[];
  /** Sets the cookie to these accounts' tokens, until the last of them expires (ms, on the session clock); clears it when there are none. */
  set(res: Response, accounts: ReadonlyArray<{ token: string; expiresAt: number }>): void;
  clear(res: Response): void;
  /**
   * The tokens as FedCM's credentialed fetches carry them: from `__Host-userbox_fedcm`, the `SameSite=None` twin
   * of the session cookie (set and cleared with it; on http, where there is no twin, the session cookie). Only the
   * FedCM endpoints read it, and only with `Sec-Fetch-Dest: webidentity` (docs/decisions/0008-fedcm-identity-provider.md).
   */
  readFedcm(req: Request): string[];
  /** The session stays but what the box shows of its user changed (name, picture): a new `userbox_sync` value. */
  changed(res: Response): void;
}

const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export function createSessionCookie(publicUrl: string, clock: Clock, syncDomain = defaultSyncDomain(publicUrl)): SessionCookie {
  const secure = publicUrl.startsWith('https:');
  const name = secure ? '__Host-userbox_session' : 'userbox_session';
  const attributes = { httpOnly: true, secure, sameSite: 'lax', path: '/' } as const;
  const syncAttributes = { secure, sameSite: 'lax', path: '/', maxAge: 365 * 24 * 60 * 60_000, ...(syncDomain && { domain: syncDomain }) } as const;
  // SameSite=None needs Secure, so the FedCM twin exists on https only.
  const fedcmName = secure ? '__Host-userbox_fedcm' : undefined;
  const fedcmAttributes = { httpOnly: true, secure: true, sameSite: 'none', path: '/' } as const;
  const signal = (res: Response) => res.cookie(syncCookieName, randomBytes(9).toString('base64url'), syncAttributes);
  const clear = (res: Response) => {
    res.clearCookie(name, attributes);
    if (fedcmName) res.clearCookie(fedcmName, fedcmAttributes);
    // The Login Status API: the browser now knows nobody is signed in here, so FedCM fails at once.
    res.set('Set-Login', 'logged-out');
    signal(res);
  };
  const tokensIn = (value: string | undefined): string[] => {
    if (value === undefined) return [];
    // The hot path: one account, one token.
    if (value.length === 43) return tokenPattern.test(value) ? [value] : [];
    return [...new Set(value.split('.').filter((t) => tokenPattern.test(t)))].slice(0, maxAccountsPerBrowser);
  };

  return {
    read: (req) => tokensIn(readCookie(req, name)),
    readFedcm: (req) => tokensIn(readCookie(req, fedcmName ?? name)),
    set(res, accounts) {
      if (accounts.length === 0) return clear(res);
      const expiresAt = Math.max(...accounts.map((a) => a.expiresAt));
      const value = accounts.map((a) => a.token).join('.');
      const maxAge = Math.max(0, expiresAt - clock());
      res.cookie(name, value, { ...attributes, maxAge });
      if (fedcmName) res.cookie(fedcmName, value, { ...fedcmAttributes, maxAge });
      res.set('Set-Login', 'logged-in');
      signal(res);
    },
    clear,
    changed: signal,
  };
}

/**
 * Known-device tokens (see KnownDevices): one per account this browser signed in to, at most five. Each is a
 * random value (32 bytes, base64url) that names no account; the service keeps only its hash.
 */
export interface DeviceCookie {
  /** The tokens this browser holds, newest first (well-formed ones only, at most five). */
  read(req: Request): string[];
  /** Puts `device`'s token first, drops the one it replaces, and keeps the cookie as long as the newest token. */
  remember(req: Request, res: Response, device: IssuedDevice): void;
}

export function createDeviceCookie(publicUrl: string, clock: Clock): DeviceCookie {
  const secure = publicUrl.startsWith('https:');
  const name = secure ? '__Host-userbox_device' : 'userbox_device';
  const attributes = { httpOnly: true, secure, sameSite: 'lax', path: '/' } as const;
  const read = (req: Request): string[] =>
    (readCookie(req, name) ?? '').split('.').filter((t) => /^[A-Za-z0-9_-]{43}$/.test(t)).slice(0, 5);
  return {
    read,
    remember(req, res, device) {
      const tokens = [device.token, ...read(req).filter((t) => t !== device.token && t !== device.replaces)].slice(0, 5);
      res.cookie(name, tokens.join('.'), { ...attributes, maxAge: Math.max(0, device.expiresAt - clock()) });
    },
  };
}

/**
 * A short-lived cookie that binds a step in progress to the browser that began it (a sign-in waiting for its
 * second step, a WebAuthn challenge): HttpOnly, `__Host-` and Secure on https, SameSite=Lax, holding a random
 * token of which the store keeps only a hash.
 */
export interface PendingCookie {
  read(req: Request): string | undefined;
  /** Sets it until `expiresAt` (ms, on the service's clock). */
  set(res: Response, token: string, expiresAt: number): void;
  clear(res: Response): void;
}

export function createPendingCookie(publicUrl: string, clock: Clock, baseName: string): PendingCookie {
  const secure = publicUrl.startsWith('https:');
  const name = secure ? `__Host-${baseName}` : baseName;
  const attributes = { httpOnly: true, secure, sameSite: 'lax', path: '/' } as const;
  return {
    read: (req) => readCookie(req, name),
    set: (res, token, expiresAt) => res.cookie(name, token, { ...attributes, maxAge: Math.max(0, expiresAt - clock()) }),
    clear: (res) => res.clearCookie(name, attributes),
  };
}
