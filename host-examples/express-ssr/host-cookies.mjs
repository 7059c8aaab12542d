// @ts-check
// The host's three cookies, all HttpOnly and SameSite=Lax: the host session, a sign-in in progress, and the marker
// that this browser session has already been checked with the service.

/** @param {string | undefined} header */
export function parseCookies(header) {
  /** @type {Map<string, string>} */
  const cookies = new Map();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

/**
 * @typedef {object} HostCookies
 * @property {boolean} secure  The app is served over https, so its cookies are `Secure`.
 * @property {{ session: string, signIn: string, checked: string }} names
 * @property {import('express').CookieOptions} options  For every cookie of the three.
 * @property {(req: import('express').Request) => Map<string, string>} of  The request's cookies.
 * @property {(res: import('express').Response) => void} markChecked  No silent sign-in again in this browser session.
 */

/** @param {string} publicUrl @returns {HostCookies} */
export function createHostCookies(publicUrl) {
  const secure = publicUrl.startsWith('https:');
  // __Host-: only this origin may set or read them (needs Secure, so only over https).
  const prefix = secure ? '__Host-' : '';
  const names = { session: `${prefix}ssr_session`, signIn: `${prefix}ssr_signin`, checked: `${prefix}ssr_checked` };
  /** @type {import('express').CookieOptions} */
  const options = { httpOnly: true, secure, sameSite: 'lax' };
  return {
    secure,
    names,
    options,
    of: (req) => parseCookies(req.headers.cookie),
    markChecked(res) {
      res.cookie(names.checked, '1', options); // no Max-Age: ends with the browser session
    },
  };
}
