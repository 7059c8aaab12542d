import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { SessionCookie } from '../session-cookie.js';
import type { BrowserAccounts } from '../../services/browser-accounts.js';
import type { SessionService } from '../../services/sessions.js';
import { pageLanguage, uiLocale } from '../../views/language.js';
import { accountChooserPage } from '../../views/oidc-pages.js';
import type { Clients } from '../../services/clients.js';
import type { Grants } from '../../services/grants.js';
import { AppError, isOAuthError } from '../../errors.js';
import { noStore, param, parseForm, requiredParam, sendRequestErrorPage } from './oauth-http.js';
import type { Clock } from '../../clock.js';

const supportedScopes = new Set(['openid', 'profile', 'email', 'offline_access']);
const supportedPrompts = new Set(['none', 'login', 'consent', 'select_account']);
/** Internal: set when we send the user to sign in again; the session must then be at least this new (ms). */
const authAfterParam = 'auth_after';

function grantedScope(requested: string): string {
  const asked = requested.split(' ').filter(Boolean);
  if (!asked.includes('openid')) throw new AppError('INVALID_SCOPE', 'scope must include openid.');
  return [...new Set(asked.filter((s) => supportedScopes.has(s)))].join(' ');
}

function optionalInt(source: unknown, name: string): number | undefined {
  const raw = param(source, name, 15);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new AppError('INVALID_REQUEST', `${name} must be a non-negative integer.`);
  return Number(raw);
}

/** The string parameters of a request, to send the browser to the same request again. */
function stringParams(source: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(source).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
}

/** What an authorization request asks for, once its parameters are checked. */
interface AuthorizationRequest {
  scope: string;
  codeChallenge: string;
  nonce: string | null;
  prompts: Set<string>;
  maxAge: number | undefined;
  /** Set by us when we sent the user to sign in again (see `authAfterParam`). */
  authAfter: number | undefined;
}

/**
 * Checks the parameters of an authorization request whose client and redirect URI are known. Throws the OAuth
 * error to send back to the client (RFC 6749 §4.1.2.1).
 */
function readAuthorizationRequest(q: Record<string, unknown>): AuthorizationRequest {
  if (param(q, 'request', 8192) !== undefined) throw new AppError('REQUEST_NOT_SUPPORTED', 'Request objects are not supported.');
  if (param(q, 'request_uri') !== undefined) throw new AppError('REQUEST_URI_NOT_SUPPORTED', 'request_uri is not supported.');
  const responseType = requiredParam(q, 'response_type');
  if (responseType !== 'code') throw new AppError('UNSUPPORTED_RESPONSE_TYPE', 'Only response_type=code is supported.');
  const responseMode = param(q, 'response_mode');
  if (responseMode !== undefined && responseMode !== 'query') throw new AppError('INVALID_REQUEST', 'Only response_mode=query is supported.');
  param(q, 'state'); // given twice → invalid_request
  const scope = grantedScope(requiredParam(q, 'scope'));
  const codeChallenge = param(q, 'code_challenge', 128);
  if (codeChallenge === undefined) throw new AppError('INVALID_REQUEST', 'code_challenge is required (PKCE with S256).');
  if (param(q, 'code_challenge_method') !== 'S256') throw new AppError('INVALID_REQUEST', 'code_challenge_method must be S256.');
  if (!/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)) throw new AppError('INVALID_REQUEST', 'code_challenge is not an S256 challenge.');
  const nonce = param(q, 'nonce', 512) ?? null;
  const prompts = new Set((param(q, 'prompt') ?? '').split(' ').filter(Boolean));
  for (const p of prompts) if (!supportedPrompts.has(p)) throw new AppError('INVALID_REQUEST', `prompt=${p} is not supported.`);
  if (prompts.has('none') && prompts.size > 1) throw new AppError('INVALID_REQUEST', 'prompt=none cannot be combined with other values.');
  return { scope, codeChallenge, nonce, prompts, maxAge: optionalInt(q, 'max_age'), authAfter: optionalInt(q, authAfterParam) };
}

/**
 * `GET|POST /authorize`: the authorization code flow with PKCE (S256 only). POST takes the same parameters as a
 * form (OpenID Connect Core §3.1.2.1) and goes through the same handler. The client and its redirect URI are
 * checked first; until both are valid, errors show a page and never redirect. After that every error goes back
 * to the client as `error=` (RFC 6749 §4.1.2.1), with `state` and `iss` (RFC 9207).
 */
export function authorizeRoutes(deps: {
  issuer: string;
  clients: Clients;
  grants: Grants;
  sessions: SessionService;
  accounts: BrowserAccounts;
  cookie: SessionCookie;
  clock: Clock;
}): Router {
  const { issuer, clients, grants, sessions, accounts, cookie, clock } = deps;
  const router = Router();

  /** This endpoint by GET with `params`: where the login page comes back to, and where a POST continues. */
  function authorizeUrl(params: Array<[string, string]>): URL {
    const url = new URL(`${issuer}/authorize`);
    for (const [name, value] of params) url.searchParams.set(name, value);
    return url;
  }

  /**
   * Sends the user to sign in, then back to this same request (minus what forced the sign-in); the sign-in page
   * then names the account signed in with as `login_hint`, so that is the one chosen. `add`: in "Add another
   * account" mode (the browser holds accounts), with `email` filled in.
   */
  function redirectToLogin(q: Record<string, unknown>, res: Response, forceFresh: boolean, add?: { email: string | undefined }): void {
    const back = withoutChooser(q);
    if (forceFresh) {
      back.searchParams.delete('prompt');
      back.searchParams.delete('max_age');
      back.searchParams.set(authAfterParam, String(clock()));
    }
    res.redirect(303, loginUrl(back, add));
  }

  function loginUrl(back: URL, add?: { email: string | undefined }): string {
    const login = new URL(`${issuer}/login`);
    if (add) login.searchParams.set('add', '1');
    if (add?.email) login.searchParams.set('email', add.email);
    // The app's `ui_locales` becomes the sign-in page's language.
    const lang = uiLocale(back.searchParams.get('ui_locales'));
    if (lang) login.searchParams.set('lang', lang);
    login.searchParams.set('return_to', back.href);
    return login.href;
  }

  /** This request again without `prompt=select_account`: where a choice (or a sign-in) continues. */
  function withoutChooser(q: Record<string, unknown>): URL {
    const url = authorizeUrl(stringParams(q));
    const prompt = (url.searchParams.get('prompt') ?? '').split(' ').filter((p) => p && p !== 'select_account');
    if (prompt.length > 0) url.searchParams.set('prompt', prompt.join(' '));
    else url.searchParams.delete('prompt');
    return url;
  }

  async function authorize(req: Request, res: Response, q: Record<string, unknown>): Promise<void> {
    noStore(res);
    let clientId: string | undefined;
    let redirectUri: string | undefined;
    try {
      clientId = param(q, 'client_id', 100);
      redirectUri = param(q, 'redirect_uri');
    } catch {
      return sendRequestErrorPage(res, 'Invalid sign-in request', 'client_id and redirect_uri must each be given once.');
    }
    const client = clients.find(clientId);
    if (!client) {
      return sendRequestErrorPage(res, 'Unknown application', 'The application that sent you here is not registered with this account service.');
    }
    if (redirectUri === undefined || !client.redirectUris.includes(redirectUri)) {
      return sendRequestErrorPage(res, 'Invalid redirect address', `${client.name} asked to send you back to an address it has not registered.`);
    }
    const target = redirectUri;
    const state = typeof q['state'] === 'string' && q['state'] !== '' ? q['state'].slice(0, 2048) : undefined;
    const respond = (fields: Record<string, string>) => {
      const url = new URL(target);
      for (const [name, value] of Object.entries(fields)) url.searchParams.set(name, value);
      if (state !== undefined) url.searchParams.set('state', state);
      url.searchParams.set('iss', issuer);
      res.redirect(303, url.href);
    };

    try {
      const { scope, codeChallenge, nonce, prompts, maxAge, authAfter } = readAuthorizationRequest(q);

      const tokens = cookie.read(req);
      if (req.method === 'POST' && tokens.length === 0) {
        // A form posted from another site arrives without the SameSite=Lax session cookie, so "not signed in"
        // cannot be told from "cookie withheld". Continue as the same request by GET, a top-level navigation
        // that does carry it; every parameter has been checked above, and the GET checks them again.
        return res.redirect(303, authorizeUrl(stringParams(q)).href);
      }
      const held = await accounts.read(tokens);
      // A session from before FedCM has no SameSite=None twin: this top-level visit gives it one (and the browser
      // its login status), so the next FedCM request finds the user.
      if (held.length > 0 && cookie.readFedcm(req).length === 0) cookie.set(res, held);
      const choice = await accounts.choose(held, {
        clientId: client.id,
        loginHint: param(q, 'login_hint', 320),
        chooser: prompts.has('select_account'),
        interactive: !prompts.has('none'),
      });
      if (choice.kind === 'selection-required') throw new AppError('ACCOUNT_SELECTION_REQUIRED');
      if (choice.kind === 'sign-in') {
        if (prompts.has('none')) throw new AppError('LOGIN_REQUIRED', 'The user is not signed in.');
        // With prompt=login this sign-in is the fresh one asked for: the way back must not ask again.
        return redirectToLogin(q, res, prompts.has('login'), held.length > 0 ? { email: choice.email } : undefined);
      }
      if (choice.kind === 'choose') {
        const next = withoutChooser(q);
        const choices = held.map((a) => {
          const url = new URL(next);
          url.searchParams.set('login_hint', a.view.user.id);
          return { name: a.view.user.name, email: a.view.user.email, href: url.href };
        });
        res.type('html').send(accountChooserPage(pageLanguage(req), { appName: client.name, accounts: choices, another: loginUrl(next, { email: undefined }) }));
        return;
      }
      const session = await sessions.live(choice.account.view.session.id);
      const now = clock();
      // max_age=0 asks for a sign-in now, like prompt=login (OpenID Connect Core §3.1.2.1).
      const tooOld = session !== null && maxAge !== undefined && (maxAge === 0 || now - Number(session.created_at) > maxAge * 1000);
      if (session && authAfter !== undefined && Number(session.created_at) < authAfter) {
        // We already sent the user to sign in again and they came back with the old session.
        throw new AppError('LOGIN_REQUIRED', 'The user did not sign in again.');
      }
      if (!session) {
        if (prompts.has('none')) throw new AppError('LOGIN_REQUIRED', 'The user is not signed in.');
        return redirectToLogin(q, res, false);
      }
      if (prompts.has('login') || tooOld) {
        if (prompts.has('none')) throw new AppError('LOGIN_REQUIRED', 'The user must sign in again.');
        return redirectToLogin(q, res, true, held.length > 1 ? { email: session.user.email } : undefined);
      }

      const code = await grants.issueCode({
        clientId: client.id,
        redirectUri: target,
        userId: session.user_id,
        sessionId: session.id,
        scope,
        authTime: Number(session.created_at),
        codeChallenge,
        nonce,
      });
      await accounts.recordChoice(client.id, choice.account);
      respond({ code });
    } catch (err) {
      if (!isOAuthError(err)) throw err;
      respond({ error: err.oauth, error_description: err.message });
    }
  }

  /** The POST body: a small form, nothing else. Until the client is known, a bad one gets the error page. */
  const parse = parseForm(50);
  const formOnly: RequestHandler = (req, res, next) => {
    if (!req.is('application/x-www-form-urlencoded')) {
      noStore(res);
      return sendRequestErrorPage(res, 'Invalid sign-in request', 'Send the sign-in request as a form (application/x-www-form-urlencoded).');
    }
    parse(req, res, (err?: unknown) => {
      if (err === undefined) return next();
      noStore(res);
      sendRequestErrorPage(res, 'Invalid sign-in request', 'The sign-in request could not be read.');
    });
  };

  router.get('/authorize', (req, res) => authorize(req, res, req.query));
  router.post('/authorize', formOnly, (req, res) => authorize(req, res, (req.body ?? {}) as Record<string, unknown>));

  return router;
}
