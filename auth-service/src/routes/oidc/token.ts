import { Router } from 'express';
import { answerErrorsInOAuthShape } from '../../middleware/errors.js';
import type { AppRegistry } from '../../services/apps.js';
import type { Clients } from '../../services/clients.js';
import type { AppRecord } from '../../store/apps-repository.js';
import type { Grant, Grants } from '../../services/grants.js';
import { AppError } from '../../errors.js';
import { authenticateClient, formBody, noStore, oauthCors, param, requiredParam } from './oauth-http.js';
import type { BrowserAccounts } from '../../services/browser-accounts.js';
import type { SessionService } from '../../services/sessions.js';
import type { Tokens } from '../../services/tokens.js';

/**
 * `POST /token`: `authorization_code` (with the PKCE verifier) and `refresh_token` (rotated on every use; a
 * replay within the grace window answers the same successor, see grants.ts). Both fail with `invalid_grant`
 * once the account session behind the grant has ended.
 *
 * With `userbox_view=1` (the box in token mode asks for it) and the `profile email` scope, the answer also holds
 * `userbox_view`: what `GET /api/me` would answer with the new access token, so the box renders without asking
 * (two requests fewer, a CORS preflight and `/api/me`, at every sign-in and renewal). Other clients ignore it,
 * as RFC 6749 §5.1 has them ignore any member they do not know.
 */
export function tokenRoutes(deps: {
  registry: AppRegistry;
  clients: Clients;
  grants: Grants;
  tokens: Tokens;
  sessions: SessionService;
  accounts: Pick<BrowserAccounts, 'single'>;
}): Router {
  const { registry, clients, grants, tokens, sessions, accounts } = deps;
  const router = Router();
  const cors = oauthCors(registry, 'POST');

  /** Tokens for a live session; `nextRefreshToken` stores the grant's next refresh token, bounded by the session. */
  async function respond(
    client: AppRecord,
    grant: Grant,
    nonce: string | null,
    scope: string,
    nextRefreshToken: (expiresAt: number) => Promise<string>,
    withView: boolean,
  ) {
    const session = await sessions.live(grant.sessionId);
    if (!session || session.user_id !== grant.userId) {
      await grants.revokeFamily(grant.familyId);
      throw new AppError('INVALID_GRANT', 'The account session behind this grant has ended.');
    }
    const subject = { user: session.user, clientId: grant.clientId, sessionId: session.id, scope, authTime: grant.authTime, amr: session.methods };
    const [accessToken, idToken, refreshToken] = await Promise.all([
      tokens.accessToken(subject),
      tokens.idToken(subject, nonce, client.idTokenSignedResponseAlg),
      nextRefreshToken(Number(session.expires_at)),
    ]);
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: tokens.ttlSeconds,
      scope,
      id_token: idToken,
      refresh_token: refreshToken,
      // The view holds the name and email: only for a grant that may see them.
      ...(withView && hasScopes(scope, 'profile', 'email') && { userbox_view: accounts.single(sessions.view(session)) }),
    };
  }

  router.options('/token', cors);
  router.post('/token', answerErrorsInOAuthShape, cors, ...formBody, async (req, res) => {
    noStore(res);
    const client = await authenticateClient(clients, req);
    const body: unknown = req.body;
    const grantType = requiredParam(body, 'grant_type', 50);
    const withView = param(body, 'userbox_view', 10) === '1';
    if (grantType === 'authorization_code') {
      const grant = await grants.redeemCode({
        code: requiredParam(body, 'code', 100),
        redirectUri: requiredParam(body, 'redirect_uri'),
        codeVerifier: requiredParam(body, 'code_verifier', 200),
        clientId: client.id,
      });
      res.json(await respond(client, grant, grant.nonce, grant.scope, (expiresAt) => grants.issueRefreshToken(grant, expiresAt), withView));
    } else if (grantType === 'refresh_token') {
      const refreshToken = requiredParam(body, 'refresh_token', 100);
      const requested = param(body, 'scope');
      const { grant, issueSuccessor } = await grants.useRefreshToken(refreshToken, client.id);
      let scope = grant.scope;
      if (requested !== undefined) {
        const asked = requested.split(' ').filter(Boolean);
        if (!hasScopes(grant.scope, ...asked)) throw new AppError('INVALID_SCOPE', 'scope exceeds what was granted.');
        scope = asked.join(' ');
      }
      res.json(await respond(client, grant, null, scope, issueSuccessor, withView));
    } else {
      throw new AppError('UNSUPPORTED_GRANT_TYPE', 'Only authorization_code and refresh_token are supported.');
    }
  });

  return router;
}

const hasScopes = (scope: string, ...wanted: string[]) => {
  const granted = new Set(scope.split(' '));
  return wanted.every((s) => granted.has(s));
};
