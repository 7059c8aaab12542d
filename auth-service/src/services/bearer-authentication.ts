import type { LiveSession, SessionService, SessionView } from './sessions.js';
import type { Clients } from './clients.js';
import { AppError } from '../errors.js';
import type { AccessTokenClaims, Tokens } from './tokens.js';

/** Who an access token speaks for: its verified claims and the live account session behind its `sid`. */
export interface BearerIdentity {
  claims: AccessTokenClaims;
  session: LiveSession;
}

/** `Authorization: Bearer` with the provider's own access tokens. */
export interface BearerAuthentication {
  /**
   * Checks the header's token, its client and, from a browser (`origin`), that the origin is the client's or the
   * service's; then that its session is alive. Throws `invalid_token`.
   */
  authenticate(header: string | undefined, origin?: string): Promise<BearerIdentity>;
  /** For `GET /api/me`: the same body as with the cookie, or null when the token is not valid. */
  sessionView(header: string, origin?: string): Promise<SessionView | null>;
}

/**
 * `Authorization: Bearer <access token>` for `/userinfo` and `/api/me`: a valid JWT from us, for a registered
 * client, whose account session (`sid`) is still alive. From a browser, only the client's own origins (or the
 * service's) may present it. Anything else is `invalid_token`.
 */
export function createBearerAuthentication(deps: { issuer: string; tokens: Tokens; clients: Clients; sessions: SessionService }): BearerAuthentication {
  const { issuer, tokens, clients, sessions } = deps;

  async function authenticate(header: string | undefined, origin?: string): Promise<BearerIdentity> {
    const match = header === undefined ? null : /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
    if (!match?.[1]) throw new AppError('INVALID_TOKEN', 'Send the access token as Authorization: Bearer <token>.');
    const claims = await tokens.verifyAccessToken(match[1]);
    const client = clients.find(claims.client_id);
    if (!client) throw new AppError('INVALID_TOKEN', 'The client of this token is no longer registered.');
    if (origin !== undefined && origin !== issuer && !client.origins.includes(origin)) {
      throw new AppError('INVALID_TOKEN', 'This token was issued to another application.');
    }
    const session = await sessions.live(claims.sid);
    if (!session || session.user_id !== claims.sub) throw new AppError('INVALID_TOKEN', 'The account session behind this token has ended.');
    return { claims, session };
  }

  return {
    authenticate,
    async sessionView(header: string, origin?: string): Promise<SessionView | null> {
      try {
        return sessions.view((await authenticate(header, origin)).session);
      } catch (err) {
        if (err instanceof AppError && err.code === 'INVALID_TOKEN') return null;
        throw err;
      }
    },
  };
}
