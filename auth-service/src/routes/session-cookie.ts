import type { Request, Response } from 'express';

/** The value of one cookie from the request's Cookie header. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The session cookie. On https it is `__Host-` prefixed and `Secure` (bound to this exact host, path `/`);
 * always HttpOnly and SameSite=Lax, so same-site apps' fetches carry it and cross-site POSTs do not.
 */
export function createSessionCookie(publicUrl: string) {
  const secure = publicUrl.startsWith('https:');
  const name = secure ? '__Host-userbox_session' : 'userbox_session';
  const attributes = { httpOnly: true, secure, sameSite: 'lax', path: '/' } as const;

  return {
    name,
    read: (req: Request): string | undefined => readCookie(req, name),
    set(res: Response, token: string, expiresAt: number, now = Date.now()): void {
      res.cookie(name, token, { ...attributes, maxAge: Math.max(0, expiresAt - now) });
    },
    clear(res: Response): void {
      res.clearCookie(name, attributes);
    },
  };
}

export type SessionCookie = ReturnType<typeof createSessionCookie>;

const deviceCookieMaxAgeMs = 365 * 24 * 60 * 60_000;

/**
 * Known-device tokens (see LoginThrottle): one per account this browser signed in to, at most five. They
 * name no account (each is an HMAC), and let the owner sign in while their account is locked to strangers.
 */
export function createDeviceCookie(publicUrl: string) {
  const secure = publicUrl.startsWith('https:');
  const name = secure ? '__Host-userbox_device' : 'userbox_device';
  const attributes = { httpOnly: true, secure, sameSite: 'lax', path: '/' } as const;
  const read = (req: Request): string[] =>
    (readCookie(req, name) ?? '').split('.').filter((t) => /^[A-Za-z0-9_-]{22}$/.test(t)).slice(0, 5);
  return {
    read,
    remember(req: Request, res: Response, token: string): void {
      const tokens = [token, ...read(req).filter((t) => t !== token)].slice(0, 5);
      res.cookie(name, tokens.join('.'), { ...attributes, maxAge: deviceCookieMaxAgeMs });
    },
  };
}

export type DeviceCookie = ReturnType<typeof createDeviceCookie>;
