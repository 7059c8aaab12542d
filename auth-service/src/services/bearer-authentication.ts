import type { LiveSession, SessionService, SessionView } from './sessions.js';
import type { Clients } from './clients.js';
import { OAuthError } from '../oauth-error.js';
import type { AccessTokenClaims, Tokens } from './tokens.js';

/**
 * `Authorization: Bearer <access token>` for `/userinfo` and `/api/me`: a valid JWT from us, for a registered
 * client, whose account session (`sid`) is still alive. From a browser, only the client's own origins (or the
 * service's) may present it. Anything else is `invalid_token`.
 */
export function createBearerAuthentication(deps: { issuer: string; tokens: Tokens; clients: Clients; sessions: SessionService }) {
  const { issuer, tokens, clients, sessions } = deps;

  async function authenticate(
    header: string | undefined,
    origin?: string,
  ): Promise<{ claims: AccessTokenClaims; session: LiveSession }> {
    const match = header === undefined ? null : /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
    if (!match?.[1]) throw new OAuthError('invalid_token', 'Send the access token as Authorization: Bearer <token>.');
    const claims = await tokens.verifyAccessToken(match[1]);
    const client = clients.find(claims.client_id);
    if (!client) throw new OAuthError('invalid_token', 'The client of this token is no longer registered.');
    if (origin !== undefined && origin !== issuer && !client.origins.includes(origin)) {
      throw new OAuthError('invalid_token', 'This token was issued to another application.');
    }
    const session = await sessions.live(claims.sid);
    if (!session || session.user_id !== claims.sub) throw new OAuthError('invalid_token', 'The account session behind this token has ended.');
    return { claims, session };
  }

  return {
    authenticate,
    /** For `GET /api/me`: the same body as with the cookie, or null when the token is not valid. */
    async sessionView(header: string, origin?: string): Promise<SessionView | null> {
      try {
        return sessions.view((await authenticate(header, origin)).session);
      } catch (err) {
        if (err instanceof OAuthError) return null;
        throw err;
      }
    },
  };
}

export type BearerAuthentication = ReturnType<typeof createBearerAuthentication>;
