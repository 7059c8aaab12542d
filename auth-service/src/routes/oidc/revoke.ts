import { Router } from 'express';
import { answerErrorsInOAuthShape } from '../../middleware/errors.js';
import type { AppRegistry } from '../../services/apps.js';
import type { Clients } from '../../services/clients.js';
import type { Grants } from '../../services/grants.js';
import { authenticateClient, formBody, noStore, oauthCors, requiredParam } from './oauth-http.js';

/**
 * `POST /revoke` (RFC 7009). A refresh token revokes its whole family. Access tokens are self-contained JWTs that
 * live at most 10 minutes, so revoking one is accepted and does nothing; unknown tokens get 200 as the RFC says.
 */
export function revocationRoutes(deps: { registry: AppRegistry; clients: Clients; grants: Grants }): Router {
  const { registry, clients, grants } = deps;
  const router = Router();
  const cors = oauthCors(registry, 'POST');
  router.options('/revoke', cors);
  router.post('/revoke', answerErrorsInOAuthShape, cors, ...formBody, async (req, res) => {
    noStore(res);
    const client = await authenticateClient(clients, req);
    const token = requiredParam(req.body, 'token', 4096);
    await grants.revokeRefreshToken(token, client.id);
    res.status(200).end();
  });
  return router;
}
