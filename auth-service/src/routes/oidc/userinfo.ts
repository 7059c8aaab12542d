import { Router, type RequestHandler } from 'express';
import { answerErrorsInOAuthShape } from '../../middleware/errors.js';
import type { Clients } from '../../services/clients.js';
import type { BearerAuthentication } from '../../services/bearer-authentication.js';
import { formBody, noStore } from './oauth-http.js';
import { userClaims } from '../../services/tokens.js';

/** `GET|POST /userinfo` (OpenID Connect Core §5.3): the user's claims for the token's scope. */
export function userinfoRoutes(deps: { clients: Clients; bearer: BearerAuthentication }): Router {
  const { clients, bearer } = deps;
  const router = Router();
  router.options('/userinfo', clients.cors('GET, POST'));
  const handler: RequestHandler = async (req, res) => {
    noStore(res);
    const { claims, session } = await bearer.authenticate(req.headers.authorization, req.headers.origin);
    res.json(userClaims(session.user, claims.scope));
  };
  router.get('/userinfo', answerErrorsInOAuthShape, clients.cors('GET, POST'), handler);
  router.post('/userinfo', answerErrorsInOAuthShape, clients.cors('GET, POST'), ...formBody, handler);
  return router;
}
