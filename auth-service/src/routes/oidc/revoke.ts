import { Router } from 'express';
import { answerErrorsInOAuthShape } from '../../middleware/errors.js';
import type { Clients } from '../../services/clients.js';
import type { Grants } from '../../services/grants.js';
import { authenticateClient, formBody, noStore, requiredParam } from './oauth-http.js';

/**
 * `POST /revoke` (RFC 7009). A refresh token revokes its whole family. Access tokens are self-contained JWTs that
 * live at most 10 minutes, so revoking one is accepted and does nothing; unknown tokens get 200 as the RFC says.
 */
export function revocationRoutes(deps: { clients: Clients; grants: Grants }): Router {
  const { clients, grants } = deps;
  const router = Router();
  router.options('/revoke', clients.cors('POST'));
  router.post('/revoke', answerErrorsInOAuthShape, clients.cors('POST'), ...formBody, async (req, res) => {
    noStore(res);
    const client = authenticateClient(clients, req);
    const token = requiredParam(req.body, 'token', 4096);
    await grants.revokeRefreshToken(token, client.id);
    res.status(200).end();
  });
  return router;
}
