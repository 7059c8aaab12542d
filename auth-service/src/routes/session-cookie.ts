import type { Request, Response } from 'express';

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
    read(req: Request): string | undefined {
      const header = req.headers.cookie;
      if (!header) return undefined;
      for (const part of header.split(';')) {
        const eq = part.indexOf('=');
        if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
      }
      return undefined;
    },
    set(res: Response, token: string, expiresAt: number, now = Date.now()): void {
      res.cookie(name, token, { ...attributes, maxAge: Math.max(0, expiresAt - now) });
    },
    clear(res: Response): void {
      res.clearCookie(name, attributes);
    },
  };
}

export type SessionCookie = ReturnType<typeof createSessionCookie>;
