import https from 'node:https';

/** Icons for registered test apps that are not bundled with the service, served over https like a CDN's. */
const icons: Record<string, string> = { mail: '#c5221f' };

/** Attributes a test may put on the page's `<user-box>` through the query string. */
const boxAttributes = ['theme', 'lang', 'hide-launcher', 'return-to', 'service', 'mode', 'client-id', 'redirect-uri', 'view-max-age'];

const pageCss = `
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: #1f1f1f; background: #fff; }
body.dark { color: #e3e3e3; background: #131314; }
header { display: flex; justify-content: space-between; align-items: center; padding: 8px 16px;
  border-bottom: 1px solid #dadce0; }
main { max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
/* The reservation the widget README recommends: the box's size before its script has run. */
user-box:not(:defined) { display: inline-block; width: 84px; height: 40px; }
a { color: inherit; }
.tall { height: 400px; }
`;

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A test-only host app (the "Mail" app, and "Calendar" on another name): one page whose `<user-box>` takes its
 * attributes from the query string, so each spec can ask for the state it needs.
 *   ?theme=dark&lang=ar&dir=rtl&hide-launcher   attributes (dir and page-lang go on <html>)
 *   ?dark                                        a dark page behind the box
 *   ?script=iife | double                        the classic bundle, or three registrations on one page
 *   ?csp                                         the strict Content-Security-Policy of issue 5
 *   ?items                                       two custom menu items in the `menu-items` slot
 *   ?long (and /cart)                            a page tall enough to scroll, with anchors #s1 … #s20
 */
export function startHostPages({
  port,
  serviceUrl,
  tls,
}: {
  port: number;
  serviceUrl: string;
  tls: { cert: Buffer; key: Buffer };
}): Promise<https.Server> {
  const server = https.createServer(tls, (req, res) => {
    const url = new URL(req.url ?? '/', `https://${req.headers.host ?? 'localhost'}`);
    const icon = /^\/icons\/(\w+)\.svg$/.exec(url.pathname)?.[1];
    if (icon && icons[icon]) {
      res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=300' });
      res.end(
        `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="10" fill="${icons[icon]}"/>` +
          `<text x="20" y="27" font-family="sans-serif" font-size="20" fill="#fff" text-anchor="middle">${icon[0]!.toUpperCase()}</text></svg>`,
      );
      return;
    }
    if (url.pathname === '/page.css') {
      res.writeHead(200, { 'content-type': 'text/css' }).end(pageCss);
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (url.pathname !== '/' && url.pathname !== '/cart') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    const q = url.searchParams;
    const attrs = boxAttributes
      .filter((name) => q.has(name))
      .map((name) => (q.get(name) ? `${name}="${escapeHtml(q.get(name)!)}"` : name))
      .join(' ');
    const script = q.get('script');
    const scripts =
      script === 'iife'
        ? `<script src="${serviceUrl}/userbox.iife.js"></script>`
        : script === 'double'
          ? `<script type="module" src="${serviceUrl}/userbox.js"></script>` +
            `<script type="module" src="${serviceUrl}/userbox.js?again"></script>` +
            `<script src="${serviceUrl}/userbox.iife.js"></script>`
          : `<script type="module" src="${serviceUrl}/userbox.js"></script>`;
    const items = q.has('items')
      ? `<a slot="menu-items" href="/help">Help</a><button slot="menu-items" type="button">Send feedback</button>`
      : '';
    const name = url.hostname.split('.')[0] ?? 'app';
    const title = name[0]!.toUpperCase() + name.slice(1);
    const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
    if (q.has('csp')) {
      headers['content-security-policy'] =
        `default-src 'self'; script-src 'self' ${serviceUrl}; style-src 'self'; connect-src ${serviceUrl}; img-src ${serviceUrl} https:`;
    }
    res.writeHead(200, headers).end(`<!doctype html>
<html lang="${escapeHtml(q.get('page-lang') ?? 'en')}" dir="${q.get('dir') === 'rtl' ? 'rtl' : 'ltr'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Userbox test host</title>
<link rel="stylesheet" href="/page.css">
${scripts}
</head>
<body${q.has('dark') ? ' class="dark"' : ''}>
<header><strong>${title}</strong><user-box ${attrs}>${items}</user-box></header>
<main>
<h1>${title}</h1>
<p>A test host page for the account box. The text below the header must not move when the user appears.</p>
${q.has('long') || url.pathname === '/cart' ? Array.from({ length: 20 }, (_, i) => `<section id="s${i + 1}"><h2>Section ${i + 1}</h2><p class="tall">…</p></section>`).join('\n') : ''}
</main>
</body>
</html>`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
