import path from 'node:path';
import { Router, type Response } from 'express';
import { AppError } from '../errors.js';

/**
 * Serves the built `<user-box>` bundles. Any site may load them: module scripts are fetched with CORS, classic
 * scripts are no-cors (hence Cross-Origin-Resource-Policy: cross-origin).
 */
export function widgetRoutes(widgetDir: string): Router {
  const router = Router();
  const files: Record<string, string> = {
    '/userbox.js': 'userbox.js',
    '/userbox.iife.js': 'userbox.iife.js',
    // Token mode (pages on another site), loaded by either bundle only where it is needed.
    '/userbox-token.js': 'userbox-token.js',
    // For server-rendered hosts: keeps the page in step with its box (widget/src/host-sync.ts).
    '/userbox-host-sync.js': 'userbox-host-sync.js',
  };
  for (const [route, file] of Object.entries(files)) {
    router.get(route, async (_req, res: Response) => {
      res.set({
        'Access-Control-Allow-Origin': '*',
        'Cross-Origin-Resource-Policy': 'cross-origin',
        'Cache-Control': 'public, max-age=300',
      });
      await new Promise<void>((resolve, reject) => {
        // sendFile names the type from the extension; a 404 then goes out as JSON, not as JavaScript.
        res.sendFile(path.join(widgetDir, file), (err) => {
          if (!err) return resolve();
          reject(new AppError('NOT_FOUND', 'The widget bundle is not built (run npm run build).', { cause: err }));
        });
      });
    });
  }
  return router;
}
