import https from 'node:https';
import type { BrowserContext } from '@playwright/test';

/**
 * The HTML a host's server sends for `url` to this browser context (its cookies), fetched from Node at 127.0.0.1
 * with the page's Host header. Reading the body of the browser's own navigation is racy on hosts whose page
 * script may navigate again at once (the SSR hosts' userbox-host-sync.js); this asks the server the same question once more.
 */
export async function serverHtml(context: BrowserContext, url: string): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const cookie = (await context.cookies(url)).map((c) => `${c.name}=${c.value}`).join('; ');
  return new Promise((resolve, reject) => {
    https
      .get(
        {
          host: '127.0.0.1',
          port: target.port,
          path: `${target.pathname}${target.search}`,
          rejectUnauthorized: false,
          headers: { host: target.host, cookie, accept: 'text/html', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      )
      .on('error', reject);
  });
}
