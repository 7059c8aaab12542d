/**
 * A URL the box may use as a link or image, or undefined: https anywhere; http only on `trustedOrigins` (the
 * page's own and the service's, so a plain-http dev set-up works); and for images an SVG data URL, which cannot
 * run script inside `<img>`. Anything else (`javascript:`, `data:text/html`, foreign http) is refused.
 */
export function safeUrl(url: unknown, trustedOrigins: readonly string[], image?: boolean): string | undefined {
  if (typeof url !== 'string' || !URL.canParse(url)) return;
  const { protocol, origin, href } = new URL(url);
  if (
    protocol === 'https:' ||
    (protocol === 'http:' && trustedOrigins.includes(origin)) ||
    (image && /^data:image\/svg\+xml[,;]/i.test(url))
  ) {
    return href;
  }
  return;
}
