import { Router, type RequestHandler } from 'express';
import { answerErrorsInOAuthShape } from '../../middleware/errors.js';
import type { AppRegistry } from '../../services/apps.js';
import type { BearerAuthentication } from '../../services/bearer-authentication.js';
import { formBody, noStore, oauthCors } from './oauth-http.js';
import { userClaims } from '../../services/tokens.js';

/** `GET|POST /userinfo` (OpenID Connect Core §5.3): the user's claims for the token's scope. */
export function userinfoRoutes(deps: { registry: AppRegistry; bearer: BearerAuthentication }): Router {
  const { registry, bearer } = deps;
  const router = Router();
  const cors = oauthCors(registry, 'GET, POST');
  router.options('/userinfo', cors);
  const handler: RequestHandler = async (req, res) => {
    noStore(res);
    const { claims, session } = await bearer.authenticate(req.headers.authorization, req.headers.origin);
    res.json(userClaims(session.user, claims.scope));
  };
  router.get('/userinfo', answerErrorsInOAuthShape, cors, handler);
  router.post('/userinfo', answerErrorsInOAuthShape, cors, ...formBody, handler);
  return router;
}
