// @ts-check
// POST /backchannel-logout: the service says an account session ended (OpenID Connect Back-Channel Logout 1.0).
// The host sessions that came from it end here, so the next page shows the user signed out without asking.
import express from 'express';

/** @param {import('./app.mjs').HostContext} ctx */
export function backChannelLogoutRoutes({ client, sessions, warn }) {
  const router = express.Router();
  // A server-to-server call: no cookies, no CSRF check; the signed token is the proof.
  router.post('/backchannel-logout', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const token = req.body?.logout_token;
    if (typeof token !== 'string' || token.length > 8192) return void res.status(400).json({ error: 'invalid_request' });
    try {
      const claims = await client.verifyLogoutToken(token);
      sessions.endFromService({ ...(claims.sid !== undefined ? { sid: claims.sid } : {}), ...(claims.sub !== undefined ? { sub: claims.sub } : {}) });
      res.status(200).end();
    } catch (err) {
      // The reason only (never the token): a forged, stale or replayed one.
      warn(`logout token refused: ${err instanceof Error ? err.message : 'unknown error'}`);
      res.status(400).json({ error: 'invalid_request' });
    }
  });
  // A body the parser refused (too large, not a form): the same answer as any other bad request (§2.8).
  /** @type {import('express').ErrorRequestHandler} */
  const refused = (_err, _req, res, _next) => void res.status(400).set('Cache-Control', 'no-store').json({ error: 'invalid_request' });
  router.use('/backchannel-logout', refused);
  return router;
}
