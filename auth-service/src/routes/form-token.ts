import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { AppError } from '../errors.js';
import { readCookie } from './session-cookie.js';

/**
 * CSRF tokens for the service's HTML forms, on top of the Origin check: a random value in a SameSite=Strict
 * cookie, and its HMAC in a hidden field. A cross-site page can neither read the cookie nor forge the HMAC.
 */
export interface FormTokens {
  /** The token for a form on this response; sets the cookie the first time. */
  issue(req: Request, res: Response): string;
  /** Throws 403 INVALID_FORM_TOKEN unless the token posted in the `csrf` field matches this browser's cookie. */
  verify(req: Request): void;
}

export function createFormTokens(secretKey: Buffer, publicUrl: string): FormTokens {
  const secure = publicUrl.startsWith('https:');
  const name = secure ? '__Host-userbox_csrf' : 'userbox_csrf';
  const mac = (value: string) => createHmac('sha256', secretKey).update(`form:${value}`).digest('base64url');

  return {
    issue(req, res) {
      let value = readCookie(req, name);
      if (!value || !/^[A-Za-z0-9_-]{22}$/.test(value)) {
        value = randomBytes(16).toString('base64url');
        res.cookie(name, value, { httpOnly: true, secure, sameSite: 'strict', path: '/' });
      }
      return mac(value);
    },
    verify(req) {
      const value = readCookie(req, name);
      const posted = (req.body as Record<string, unknown> | undefined)?.['csrf'];
      if (!value || typeof posted !== 'string') throw new AppError('INVALID_FORM_TOKEN');
      const expected = Buffer.from(mac(value));
      const given = Buffer.from(posted);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AppError('INVALID_FORM_TOKEN');
    },
  };
}
