import path from 'node:path';
import { Router, type Response } from 'express';
import { AppError } from '../errors.js';

/** A chunk's name as the widget's build writes it: `[name]-[hash].js` (widget/vite.config.ts), and nothing else. */
const chunkName = /^[A-Za-z0-9_-]{1,64}\.js$/;

/**
 * Serves the built `<user-box>`: the stable loaders snippets name, and the content-hashed chunks they import.
 * A loader is one line naming today's chunks, so it is cached briefly (5 minutes, then revalidated by its
 * Last-Modified): a new release reaches every page within that time, and a page view within it asks nothing. A chunk's
 * name changes with its content, so it is cached for a year and never revalidated (`immutable`). Any site may
 * load them: module scripts are fetched with CORS, classic scripts are no-cors (hence
 * Cross-Origin-Resource-Policy: cross-origin).
 */
export function widgetRoutes(widgetDir: string): Router {
  const router = Router();
  const send = async (res: Response, file: string, cacheControl: string) => {
    res.set({
      'Access-Control-Allow-Origin': '*',
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Cache-Control': cacheControl,
    });
    await new Promise<void>((resolve, reject) => {
      // sendFile names the type from the extension and answers If-Modified-Since with 304 (the app turns ETags
      // off); a 404 goes out as JSON, not as JavaScript.
      res.sendFile(file, { root: widgetDir, cacheControl: false }, (err) => {
        if (!err) return resolve();
        reject(new AppError('NOT_FOUND', 'The widget bundle is not built (run npm run build).', { cause: err }));
      });
    });
  };
  const loaders = [
    '/userbox.js',
    '/userbox.iife.js',
    // Token mode (pages on another site); the element imports its chunk itself, this address stays for old pages.
    '/userbox-token.js',
    // For server-rendered hosts: keeps the page in step with its box (widget/src/host-sync.ts).
    '/userbox-host-sync.js',
  ];
  for (const route of loaders) router.get(route, (_req, res) => send(res, route.slice(1), 'public, max-age=300'));
  router.get('/chunks/:file', async (req, res) => {
    const file = req.params['file'] ?? '';
    if (!chunkName.test(file)) throw new AppError('NOT_FOUND', 'No such widget chunk.');
    await send(res, path.posix.join('chunks', file), 'public, max-age=31536000, immutable');
  });
  return router;
}
