// @ts-check
// The host's side of OpenID Connect with the account service: a confidential client (its secret from the
// environment, sent as client_secret_basic; PKCE S256, state, nonce as well) that signs the user in from its back end, checks the tokens with jose (the access token through @userbox/verify), and
// learns of a sign-out at the service from its back-channel logout tokens. Browser-facing URLs use the service's public URL;
// back-channel calls use the internal one.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { createAccessTokenVerifier, createLogoutTokenVerifier } from '@userbox/verify';
import { createRemoteJWKSet, customFetch, decodeJwt, jwtVerify } from 'jose';

/**
 * @typedef {object} TokenSet
 * @property {string} accessToken
 * @property {string} refreshToken
 * @property {string} idToken
 * @property {number} expiresAt  ms since the epoch
 *
 * @typedef {object} UserInfo
 * @property {string} sub
 * @property {string} [name]
 * @property {string} [email]
 * @property {string} [picture]
 *
 * @typedef {object} Transaction  What the back end remembers between /authorize and /callback.
 * @property {string} state
 * @property {string} nonce
 * @property {string} codeVerifier
 */

/** The service rejected a token or grant (401 at /userinfo, invalid_grant at /token): the user must sign in again. */
export class SignedOutError extends Error {
  name = 'SignedOutError';
}

/** The service could not be reached or answered something unexpected. Not a reason to sign anybody out. */
export class ServiceUnavailableError extends Error {
  name = 'ServiceUnavailableError';
}

/** A random value for `state`, `nonce` and the PKCE verifier: 32 bytes, base64url (43 characters). */
export const randomToken = () => randomBytes(32).toString('base64url');

/** RFC 7636 S256: the challenge is base64url(SHA-256(verifier)). @param {string} verifier */
export function pkceChallenge(verifier) {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/**
 * A fetch for the back channel. With a CA file (the test certificate is self-signed) it goes through node:https
 * with that CA; otherwise the global fetch (which also honours NODE_EXTRA_CA_CERTS).
 * @param {Buffer | undefined} ca
 * @returns {typeof fetch}
 */
export function backChannelFetch(ca) {
  if (!ca) return fetch;
  return (input, init = {}) =>
    new Promise((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const body = init.body == null ? undefined : String(init.body);
      const headers = Object.fromEntries(new Headers(init.headers));
      if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/x-www-form-urlencoded';
      const request = (url.protocol === 'https:' ? https : http).request(
        url,
        { method: init.method ?? 'GET', headers, ca, signal: init.signal ?? AbortSignal.timeout(10_000) },
        (res) => {
          /** @type {Buffer[]} */
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => {
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
            }
            const status = res.statusCode ?? 500;
            const nullBody = status === 204 || status === 304;
            resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
          });
          res.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
}

/** One half of client_secret_basic's credentials: form-urlencoded, then joined and base64'd (RFC 6749 §2.3.1). @param {string} value */
const formEncode = (value) => new URLSearchParams([['', value]]).toString().slice(1);

/**
 * The `Authorization` header of a confidential client at /token (client_secret_basic).
 * @param {string} clientId @param {string} clientSecret
 */
export function basicAuthorization(clientId, clientSecret) {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
}

/**
 * @param {object} options
 * @param {string} options.serviceUrl   The service as browsers see it: redirects, and the tokens' `iss`.
 * @param {string} options.internalUrl  Where this back end reaches it: /token, /userinfo, /jwks.json.
 * @param {string} options.clientId     This app's id in the service's registry.
 * @param {string} [options.clientSecret]  Its client secret (a confidential client); without one it is public.
 * @param {string} options.redirectUri  `${PUBLIC_URL}/callback`.
 * @param {typeof fetch} [options.fetch]
 */
export function createUserboxClient({ serviceUrl, internalUrl, clientId, clientSecret, redirectUri, fetch: fetchImpl = fetch }) {
  const jwks = createRemoteJWKSet(new URL(`${internalUrl}/jwks.json`), { [customFetch]: fetchImpl });
  const clockTolerance = 5;
  // One key set for both tokens. Each access token is checked once, when /token hands it over: nothing to remember.
  const accessTokens = createAccessTokenVerifier({ issuer: serviceUrl, audience: clientId, clockTolerance, keys: jwks, cacheSize: 0 });
  // Logout tokens are signed like this app's ID tokens (ES256); each jti is taken once.
  const logoutTokens = createLogoutTokenVerifier({ issuer: serviceUrl, audience: clientId, clockTolerance, keys: jwks, algorithms: ['ES256'] });

  /** @param {string} path @param {RequestInit} init */
  async function call(path, init) {
    try {
      return await fetchImpl(`${internalUrl}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    } catch (cause) {
      throw new ServiceUnavailableError(`The account service cannot be reached (${path}).`, { cause });
    }
  }

  /**
   * POST /token with a form. invalid_grant (code used or expired, refresh token rotated away, account session
   * ended) means signed out; other answers mean the service or this configuration is broken.
   * @param {Record<string, string>} form
   */
  async function token(form) {
    const res = await call(
      '/token',
      clientSecret
        ? { method: 'POST', headers: { authorization: basicAuthorization(clientId, clientSecret) }, body: new URLSearchParams(form) }
        : { method: 'POST', body: new URLSearchParams({ ...form, client_id: clientId }) },
    );
    const body = await res.json().catch(() => ({}));
    if (res.status === 400 && body.error === 'invalid_grant') throw new SignedOutError('The grant is no longer valid.');
    if (!res.ok) throw new ServiceUnavailableError(`/token answered ${res.status} ${typeof body.error === 'string' ? body.error : ''}`);
    return body;
  }

  /**
   * Checks both tokens of a /token answer: signatures by the service's keys (ES256), `iss`, `aud`, `exp`; the ID
   * token's `nonce` when one was sent; the access token's `typ: at+jwt` (@userbox/verify); one subject for both.
   * @param {any} body @param {{ nonce?: string, sub?: string }} expect
   * @returns {Promise<{ tokens: TokenSet, claims: import('jose').JWTPayload }>}
   */
  async function acceptTokens(body, expect) {
    if (typeof body.access_token !== 'string' || typeof body.id_token !== 'string' || typeof body.refresh_token !== 'string') {
      throw new ServiceUnavailableError('/token answered without the expected tokens.');
    }
    const { payload: claims } = await jwtVerify(body.id_token, jwks, {
      issuer: serviceUrl,
      audience: clientId,
      algorithms: ['ES256'],
      clockTolerance,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    if (expect.nonce !== undefined && claims.nonce !== expect.nonce) throw new Error('The ID token nonce does not match.');
    if (expect.sub !== undefined && claims.sub !== expect.sub) throw new Error('The ID token is for another user.');
    const access = await accessTokens.verify(body.access_token);
    if (access.sub !== claims.sub || access.client_id !== clientId) throw new Error('The access token does not match the ID token.');
    const expiresIn = Number(body.expires_in) > 0 ? Number(body.expires_in) : 60;
    return {
      tokens: { accessToken: body.access_token, refreshToken: body.refresh_token, idToken: body.id_token, expiresAt: Date.now() + expiresIn * 1000 },
      claims,
    };
  }

  return {
    /** A new state, nonce and PKCE verifier for one sign-in. @returns {Transaction} */
    newTransaction: () => ({ state: randomToken(), nonce: randomToken(), codeVerifier: randomToken() }),

    /** The top-level redirect to the service. @param {Transaction} tx @param {{ prompt?: 'none' | 'login' }} [options] */
    authorizeUrl(tx, { prompt, loginHint } = {}) {
      const url = new URL(`${serviceUrl}/authorize`);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        scope: 'openid profile email',
        state: tx.state,
        nonce: tx.nonce,
        code_challenge: pkceChallenge(tx.codeVerifier),
        code_challenge_method: 'S256',
        ...(prompt ? { prompt } : {}),
        ...(loginHint ? { login_hint: loginHint } : {}),
      }).toString();
      return url.href;
    },

    /** Exchanges the code from /callback and checks the tokens. @param {string} code @param {Transaction} tx */
    async exchangeCode(code, tx) {
      const body = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: tx.codeVerifier });
      return acceptTokens(body, { nonce: tx.nonce });
    },

    /** Uses the refresh token once (the service rotates it). @param {TokenSet} tokens */
    async refresh(tokens) {
      const body = await token({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken });
      const sub = decodeJwt(tokens.idToken).sub;
      return (await acceptTokens(body, sub === undefined ? {} : { sub })).tokens;
    },

    /** GET /userinfo: the user's claims while the account session lives; SignedOutError on 401. @param {string} accessToken */
    async userinfo(accessToken) {
      const res = await call('/userinfo', { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } });
      if (res.status === 401) throw new SignedOutError('The access token was refused.');
      if (!res.ok) throw new ServiceUnavailableError(`/userinfo answered ${res.status}.`);
      /** @type {UserInfo} */
      const user = await res.json();
      if (typeof user?.sub !== 'string') throw new ServiceUnavailableError('/userinfo answered without sub.');
      return user;
    },

    /**
     * Checks a logout token the service POSTed (OpenID Connect Back-Channel Logout 1.0 §2.6, see @userbox/verify):
     * its claims, or a rejection with InvalidLogoutTokenError.
     * @param {string} token
     */
    verifyLogoutToken: (token) => logoutTokens.verify(token),

    /** RP-initiated logout at the service. @param {string} idToken @param {string} postLogoutRedirectUri */
    endSessionUrl(idToken, postLogoutRedirectUri) {
      const url = new URL(`${serviceUrl}/end_session`);
      url.search = new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: postLogoutRedirectUri, client_id: clientId }).toString();
      return url.href;
    },
  };
}

/** @typedef {ReturnType<typeof createUserboxClient>} UserboxClient */
