// @ts-check

/**
 * Where to send the user after sign-in: only a path on this site (`/orders?x=1`). Absolute URLs, scheme-relative
 * `//evil.test`, backslashes (`/\evil.test`, which browsers read as `//`), control characters and anything over
 * 2 KB are refused with null. Missing or empty means the home page.
 * @param {unknown} value
 * @returns {string | null}
 */
export function safeReturnPath(value) {
  if (value === undefined || value === '') return '/';
  if (typeof value !== 'string' || value.length > 2048) return null;
  if (!value.startsWith('/') || value.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(value)) return null;
  const base = 'https://host.invalid';
  const url = new URL(value, base);
  if (url.origin !== base) return null;
  return url.pathname + url.search;
}
