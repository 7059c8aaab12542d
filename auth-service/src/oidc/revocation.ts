import { Router } from 'express';
import type { Clients } from './clients.js';
import type { Grants } from './grants.js';
import { noStore } from './oauth-error.js';
import { requiredParam } from './params.js';
import { formBody } from './token-endpoint.js';

/**
 * `POST /revoke` (RFC 7009). A refresh token revokes its whole family. Access tokens are self-contained JWTs that
 * live at most 10 minutes, so revoking one is accepted and does nothing; unknown tokens get 200 as the RFC says.
 */
export function revocationRoutes(deps: { clients: Clients; grants: Grants }): Router {
  const { clients, grants } = deps;
  const router = Router();
  router.options('/revoke', clients.cors('POST'));
  router.post('/revoke', clients.cors('POST'), ...formBody, async (req, res) => {
    noStore(res);
    const client = clients.authenticate(req);
    const token = requiredParam(req.body, 'token', 4096);
    await grants.revokeRefreshToken(token, client.id);
    res.status(200).end();
  });
  return router;
}
