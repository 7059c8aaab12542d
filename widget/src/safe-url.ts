/**
 * A URL the box may use as a link or image, or undefined: https anywhere; plain http only when the page itself
 * is plain http (a development set-up such as the `npm start` demo on localhost ports: no downgrade there, while
 * an https page never gets an http link or image); and for images an SVG data URL, which cannot run script
 * inside `<img>`. Anything else (`javascript:`, `data:text/html`, relative) is refused.
 */
export function safeUrl(url: unknown, pageIsHttp: boolean, image?: boolean): string | undefined {
  if (typeof url !== 'string' || !URL.canParse(url)) return;
  const { protocol, href } = new URL(url);
  if (protocol === 'https:' || (protocol === 'http:' && pageIsHttp) || (image && /^data:image\/svg\+xml[,;]/i.test(url))) {
    return href;
  }
  return;
}
