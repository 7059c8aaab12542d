import type { FedcmNavigator } from './fedcm.js';
import type { ViewKeeper } from './kept-view.js';
import { SessionClient, SessionError, type MeResponse, type SyncChannel } from './session-client.js';

/** How token mode signs in; both optional. The box passes its `client-id` and `redirect-uri` here. */
export interface TokenModeOptions {
  /** The app's id in the service's registry (its OAuth `client_id`); default: the registered app whose URL has this page's origin. */
  clientId?: string | undefined;
  /** Where the provider sends the browser back (registered for the app); default: this page's URL without query or hash. */
  redirectUri?: string | undefined;
}

/** The parts of `window` token mode uses, so tests can run it without a browser. */
export interface TokenModeWindow {
  location: { href: string; origin: string; protocol: string; assign(url: string): void; replace(url: string): void };
  history: { state: unknown; replaceState(data: unknown, unused: string, url: string): void };
  localStorage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  sessionStorage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  document: { cookie: string; readyState?: DocumentReadyState; getElementById?(id: string): { scrollIntoView(): void } | null };
  navigator: { locks?: { request<T>(name: string, callback: () => Promise<T>): Promise<T> }; credentials?: FedcmNavigator['credentials'] };
  scrollY: number;
  scrollTo(x: number, y: number): void;
}

/** A sign-in the page started: kept in sessionStorage under its `state` until the provider sends the browser back. */
interface PendingSignIn {
  verifier: string;
  nonce: string;
  redirectUri: string;
  returnUrl: string;
  scrollY: number;
  /** The page had not finished loading: the browser may not have scrolled to its hash yet. */
  loading: boolean;
}

/** An access token with its ID token; `expiresAt` (ms) is when it is renewed, a minute before it expires. */
interface AccessToken {
  token: string;
  idToken: string;
  expiresAt: number;
}

interface TokenAnswer {
  access_token: string;
  expires_in: number;
  id_token: string;
  refresh_token: string;
  /** What `/api/me` answers for this access token: the service adds it when asked (`userbox_view=1`). */
  userbox_view?: MeResponse;
}

/** How long after asking FedCM its refusal may still lead to the silent bounce (see `#fedcm`). */
export const fedcmBounceWithinMs = 3000;

/** Errors after which the provider will not sign the user in without them: remember, never bounce again. */
const interactionErrors = new Set(['login_required', 'consent_required', 'interaction_required', 'account_selection_required']);

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const randomString = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** The claims of a JWT we just received from the token endpoint over TLS (OIDC Core 3.1.3.7: no signature check needed). */
function claimsOf(jwt: string): Record<string, unknown> {
  const payload = jwt.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

/** Never settles: the page is navigating away, and the box should keep its placeholder until it has gone. */
const leaving = (): Promise<never> => new Promise<never>(() => undefined);

/**
 * The session client for pages on another site than the account service, where browsers withhold the service's
 * cookie. The box signs in as a public OpenID Connect client of the app registered for the page: it bounces once
 * per browser session through `/authorize?prompt=none` (a top-level redirect, no popup, no third-party cookie),
 * exchanges the code with PKCE over CORS, and then asks `/api/me` with `Authorization: Bearer`, which answers the
 * same body as the cookie does.
 *
 * The refresh token is kept in localStorage so a reload or a new tab does not bounce again
 * (docs/decisions/0004-token-mode-refresh-token-storage.md weighs that against XSS); every refresh rotates it, and
 * Web Locks make tabs take turns so no tab presents a token another tab has just spent. With a `keeper` (the box's
 * `view-max-age` above 0), the short-lived access token and the view are kept in this tab's sessionStorage for
 * the token's life, so a repeat page view within it asks nothing; a page shown again (focus) asks `/api/me`, which
 * is how a sign-out on another site shows here.
 */
export class TokenSessionClient extends SessionClient {
  override readonly token = true;
  readonly #options: TokenModeOptions;
  readonly #win: TokenModeWindow;
  readonly #fetch: typeof fetch;
  #clientId: string | undefined;
  #access: AccessToken | undefined;
  #obtaining: Promise<string | null> | undefined;
  /** The `/authorize` URL of **Sign in** and its `state`, made ready whenever the user is found signed out. */
  #signIn: { url: string; state: string } | undefined;
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The view that came with the last token answer, for the `me()` that asked for the token: no `/api/me` then. */
  #view: MeResponse | undefined;
  /** FedCM was asked on this page load: a refusal is not asked again until the next one. */
  #fedcmAsked = false;

  constructor(
    serviceUrl: string,
    options: TokenModeOptions = {},
    fetchImpl: typeof fetch = (...args) => fetch(...args),
    sync?: SyncChannel,
    win: TokenModeWindow = window,
    keeper?: ViewKeeper,
  ) {
    super(serviceUrl, fetchImpl, sync, keeper);
    this.#fetch = fetchImpl;
    this.#options = options;
    this.#win = win;
  }

  /** `/api/me` with the access token; `{ user: null }` when there is no way to get one without the user. */
  override async me(): Promise<MeResponse> {
    for (let attempt = 0; ; attempt++) {
      if (!(await this.#token())) {
        this.#signIn = await this.#prepare(await this.#appId(), null, this.#win.location.href);
        return { user: null };
      }
      const view = this.#view;
      this.#view = undefined;
      if (view) return view;
      try {
        return await super.me();
      } catch (err) {
        // The token is refused (expired, or its account session ended): forget it and ask once more, which
        // refreshes, and a refresh fails at once when the session has ended.
        if (attempt || (err as SessionError).status !== 401) throw err;
        this.#access = undefined;
      }
    }
  }

  /**
   * **Sign in**: the provider's `/authorize`, whose answer comes back to this app, here or at `returnTo`. Render
   * calls this with the user signed out, when the PKCE pair is ready; before that it is the service's login page.
   */
  override loginUrl(returnTo: string, lang: string): string {
    if (!this.#signIn) return super.loginUrl(returnTo, lang);
    const key = `userbox:pending:${this.#signIn.state}`;
    const pending = JSON.parse(this.#win.sessionStorage.getItem(key) ?? 'null') as PendingSignIn | null;
    if (pending && pending.returnUrl !== returnTo) this.#win.sessionStorage.setItem(key, JSON.stringify({ ...pending, returnUrl: returnTo }));
    // The box's language, as OpenID Connect names it: the provider's pages then speak it.
    const url = new URL(this.#signIn.url);
    url.searchParams.set('ui_locales', lang);
    return url.href;
  }

  /**
   * Everywhere: `DELETE /api/sessions` with the token ends every session of the user. This one: RP-initiated
   * logout, a top-level visit to the service's `/end_session` that ends its session and comes back here, where
   * one silent bounce shows the browser's next account for this app (the one it used before, or the only one
   * left), or Sign in.
   */
  override async signOut(everywhere = false, handle?: string | null, _all?: boolean, done?: () => void): Promise<void> {
    // A token holds one account: signing out another of the browser's is the service's own pages' business.
    if (handle) return;
    const clientId = await this.#appId();
    const idToken = this.#access?.idToken;
    if (everywhere) {
      if (!(await this.#token())) throw new SessionError('Not signed in', 401);
      await super.signOut(true, null, true, done);
    }
    this.#forget(clientId);
    this.#markTried(clientId);
    // FedCM must not sign this site in silently again until the user chooses (no chunk needed for one call).
    if ('IdentityCredential' in this.#win) await this.#fedcmNavigator()?.credentials.preventSilentAccess?.().catch(() => undefined);
    if (everywhere) return this.refresh();
    // The browser may hold other accounts, which the service keeps: the page that comes back (with this `state`)
    // asks once, silently, which one this app shows now (see #obtain). A silent sign-in kept ready for it.
    const { state } = await this.#prepare(clientId, 'none', this.#win.location.href);
    // Told before leaving: a host that reloads on `userbox-signout` must not cancel the visit to /end_session
    // (Firefox does, when the reload comes after it).
    done?.();
    const url = new URL('/end_session', this.serviceUrl);
    if (idToken) url.searchParams.set('id_token_hint', idToken);
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('post_logout_redirect_uri', this.#redirectUri());
    url.searchParams.set('state', state);
    // The page is leaving: nothing more to ask or tell. A refresh here would report the user gone, and a host
    // that reloads on that (userbox-host-sync.js) would cancel this visit in Firefox, so the service would keep
    // the session.
    this.#win.location.assign(url.href);
  }

  /**
   * Switching in token mode: a token holds one account, so one top-level bounce to `/authorize` gets a token for
   * the chosen one, with `login_hint` = its `sub` (the user id), else with `prompt=select_account`, the service's
   * account chooser. The answer comes back here like a sign-in; its refresh token replaces this app's. Interactive,
   * so it cannot loop: it happens only when the user asks.
   */
  override async switchTo(sub?: string): Promise<void> {
    // The view kept in this tab is the account left: the page that comes back must not paint it.
    this.keeper?.clear();
    // For /userbox-host-sync.js on the page that comes back: the user chose this account (see host-sync.ts).
    this.#win.sessionStorage.setItem('userbox:switched', '1');
    await this.#authorize(await this.#appId(), sub ? null : 'select_account', this.#win.location.href, sub);
  }

  /** A kept view is shown with its access token taken back from this tab, renewed when it runs out as usual. */
  override async revalidate(): Promise<void> {
    if (!this.#access && this.keeper?.read()) {
      try {
        const kept = JSON.parse(this.#win.sessionStorage.getItem(this.#accessKey()) ?? 'null') as AccessToken | null;
        if (kept && kept.expiresAt > Date.now()) this.#hold(kept);
      } catch {
        // Unreadable: the kept view is shown, and the next request obtains a token as usual.
      }
    }
    return super.revalidate();
  }

  protected override keep(me: MeResponse, sync: string): void {
    // Without an access token there is nothing to show for long: a signed-out view is kept until the next ask.
    this.keeper?.write(me, sync, this.#access?.expiresAt ?? 0);
  }

  protected override auth(): RequestInit {
    return { credentials: 'omit', headers: this.#access ? { Authorization: `Bearer ${this.#access.token}` } : {} };
  }

  /** A valid access token, or null when only the user can sign in. One attempt at a time per page. */
  #token(): Promise<string | null> {
    if (this.#access && this.#access.expiresAt > Date.now()) return Promise.resolve(this.#access.token);
    this.#access = undefined;
    this.#obtaining ??= this.#obtain().finally(() => (this.#obtaining = undefined));
    return this.#obtaining;
  }

  async #obtain(): Promise<string | null> {
    const clientId = await this.#appId();
    const returned = this.#returnedSignIn();
    // Back from /end_session (our `state`, and neither a code nor an error): one silent bounce finds the account
    // the browser still holds for this app, if any (signed out of one of several, the app falls back to another).
    // It cannot loop: the state is spent, and the bounce's own answer comes back with a code or an error.
    if (returned && !returned[0].has('code') && !returned[0].has('error')) return this.#authorize(clientId, 'none', returned[1].returnUrl);
    // A switch the user cancelled at the chooser leaves the account it started from.
    if (returned) return (await this.#finishSignIn(clientId, ...returned)) ?? (await this.#refreshTokens(clientId)) ?? null;
    const refreshed = await this.#refreshTokens(clientId);
    if (refreshed) return refreshed;
    // A refused refresh token means the session ended (signed out elsewhere): do not bounce to learn it again.
    if (refreshed === null || this.#tried(clientId)) {
      this.#markTried(clientId);
      return null;
    }
    const viaFedcm = await this.#fedcm(clientId);
    if (viaFedcm !== undefined) return viaFedcm;
    this.#markTried(clientId);
    return this.#authorize(clientId, 'none', this.#win.location.href);
  }

  /** The FedCM chunk where the browser has FedCM (Chromium), else undefined (Firefox, Safari, tests). */
  #fedcmChunk(): Promise<typeof import('./fedcm.js')> | undefined {
    return 'IdentityCredential' in this.#win ? import('./fedcm.js') : undefined;
  }

  #fedcmNavigator(): FedcmNavigator | undefined {
    const { credentials } = this.#win.navigator;
    return credentials && { credentials };
  }

  /**
   * FedCM before the bounce, once per page load (fedcm.ts): a token; null when FedCM says no and a bounce would not
   * do better or would come too late (Sign in is shown, and choosing it bounces); undefined to bounce as without
   * FedCM (not there, or it said no at once and has never worked here, or its code was refused).
   *
   * Too late: Chromium delays a refusal by a random time (0.7 s to over 40 s, measured here) where it cannot tell the
   * page at once that nobody is signed in. A bounce then would take the page away from a user already reading it,
   * or typing in it, so after `fedcmBounceWithinMs` the box stays on Sign in.
   */
  async #fedcm(clientId: string): Promise<string | null | undefined> {
    const chunk = this.#fedcmChunk();
    const nav = this.#fedcmNavigator();
    if (!chunk || !nav || this.#fedcmAsked) return undefined;
    this.#fedcmAsked = true;
    const askedAt = Date.now();
    const answer = await (await chunk).requestFedcmCode(this.serviceUrl, clientId, nav);
    const worked = `userbox:fedcm:${this.serviceUrl}`;
    if (!answer) {
      if (!this.#win.localStorage.getItem(worked) && Date.now() - askedAt <= fedcmBounceWithinMs) return undefined;
      this.#markTried(clientId);
      return null;
    }
    // The service binds a FedCM code to the origin that asked for it, its redirect_uri.
    const token = await this.#redeem(clientId, answer.code, this.#win.location.origin, answer.verifier, answer.nonce);
    if (!token) return undefined;
    this.#win.localStorage.setItem(worked, '1');
    return token;
  }

  /** The app this page belongs to: `clientId`, or the registered app with this page's origin. */
  async #appId(): Promise<string> {
    const configured = this.#options.clientId;
    if (configured) return configured;
    const origin = this.#win.location.origin;
    // Found once per tab when views are kept: a repeat page view need not ask for the list.
    const key = `userbox:client:${this.serviceUrl}`;
    const keep = this.keeper?.maxAgeMs;
    if (keep) this.#clientId ??= this.#win.sessionStorage.getItem(key) ?? undefined;
    this.#clientId ??= (await this.apps()).find((app) => {
      try {
        return new URL(app.url).origin === origin;
      } catch {
        return false;
      }
    })?.id;
    if (!this.#clientId) throw new SessionError(`No app is registered for ${origin}; set client-id on <user-box>`, null);
    if (keep) this.#win.sessionStorage.setItem(key, this.#clientId);
    return this.#clientId;
  }

  #redirectUri(): string {
    const here = new URL(this.#win.location.href);
    return this.#options.redirectUri || here.origin + here.pathname;
  }

  /** Leaves for the provider's `/authorize`; `prompt=none` asks it to answer at once, without showing anything. */
  async #authorize(clientId: string, prompt: 'none' | 'select_account' | null, returnUrl: string, loginHint?: string): Promise<never> {
    this.#win.location.assign((await this.#prepare(clientId, prompt, returnUrl, loginHint)).url);
    return leaving();
  }

  /** A sign-in ready to start: its `/authorize` URL, with the PKCE verifier and nonce kept in this tab. */
  async #prepare(
    clientId: string,
    prompt: 'none' | 'select_account' | null,
    returnUrl: string,
    loginHint?: string,
  ): Promise<{ url: string; state: string }> {
    const verifier = randomString();
    const state = randomString();
    const nonce = randomString();
    const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
    const redirectUri = this.#redirectUri();
    const loading = this.#win.document.readyState !== undefined && this.#win.document.readyState !== 'complete';
    const pending: PendingSignIn = { verifier, nonce, redirectUri, returnUrl, scrollY: this.#win.scrollY, loading };
    this.#win.sessionStorage.setItem(`userbox:pending:${state}`, JSON.stringify(pending));
    const url = new URL('/authorize', this.serviceUrl);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'openid profile email',
      state,
      nonce,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...(prompt && { prompt }),
      ...(loginHint && { login_hint: loginHint }),
    }).toString();
    return { url: url.href, state };
  }

  /** The provider's answer in this page's address, if it answers a sign-in this tab started. */
  #returnedSignIn(): [URLSearchParams, PendingSignIn] | undefined {
    const params = new URL(this.#win.location.href).searchParams;
    const key = `userbox:pending:${params.get('state')}`;
    const stored = params.has('state') && this.#win.sessionStorage.getItem(key);
    if (!stored) return undefined;
    this.#win.sessionStorage.removeItem(key);
    return [params, JSON.parse(stored) as PendingSignIn];
  }

  /** Puts the page back as the user left it (query, hash, scroll), then trades the code for tokens. */
  async #finishSignIn(clientId: string, params: URLSearchParams, pending: PendingSignIn): Promise<string | null> {
    const back = new URL(pending.returnUrl);
    const here = new URL(this.#win.location.href);
    // The provider answered at the redirect URI, which has no query: only a return URL without one is this page.
    const samePage = back.origin === here.origin && back.pathname === here.pathname && !back.search;
    if (samePage) {
      this.#win.history.replaceState(this.#win.history.state, '', back.href);
      // Left while the page was loading, before the browser had (quite) scrolled to its hash: go to the hash.
      // (Firefox scrolls towards it bit by bit as the page grows, and there only at load: a position taken
      // earlier is partway.)
      const target = pending.loading && back.hash ? this.#win.document.getElementById?.(back.hash.slice(1)) : null;
      if (target) target.scrollIntoView();
      else this.#win.scrollTo(0, pending.scrollY);
    }
    const code = params.get('code');
    const issuer = params.get('iss');
    let token: string | null = null;
    if (issuer !== this.serviceUrl) {
      // RFC 9207: our provider names itself in every answer (its discovery says so), so an answer that names
      // another issuer, or none, is not from it (a mix-up): never send it a code.
      console.warn('[user-box] sign-in answer from another issuer:', issuer ?? '(none)');
    } else if (code) {
      token = await this.#redeem(clientId, code, pending.redirectUri, pending.verifier, pending.nonce);
    } else {
      const error = params.get('error') ?? 'no code';
      if (!interactionErrors.has(error)) console.warn('[user-box] sign-in failed:', error);
    }
    if (!samePage) {
      // Sign-in started on another page, or one with a query the server may have rendered from: load it as it
      // was (the browser scrolls to its hash); the stored refresh token carries the session along.
      this.#win.location.replace(back.href);
      return leaving();
    }
    return token;
  }

  /** Trades a code for tokens, checking that the ID token answers this sign-in (its nonce). */
  async #redeem(clientId: string, code: string, redirectUri: string, verifier: string, nonce: string): Promise<string | null> {
    const token = await this.#tokenRequest(clientId, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
    if (token && claimsOf(this.#access!.idToken)['nonce'] !== nonce) {
      this.#forget(clientId);
      throw new SessionError('The ID token does not answer this sign-in (nonce mismatch)', null);
    }
    return token;
  }

  /**
   * A new access token from the stored refresh token, taking turns with the other tabs: undefined when there is
   * no refresh token, null when the service refused it.
   */
  async #refreshTokens(clientId: string): Promise<string | null | undefined> {
    const key = this.#refreshKey(clientId);
    const run = async (): Promise<string | null | undefined> => {
      // Read inside the lock: another tab may have just rotated it.
      const refreshToken = this.#win.localStorage.getItem(key);
      if (!refreshToken) return undefined;
      return this.#tokenRequest(clientId, { grant_type: 'refresh_token', refresh_token: refreshToken });
    };
    return this.#win.navigator.locks ? this.#win.navigator.locks.request(key, run) : run();
  }

  /** POST /token as a public client. A refused grant means signed out; other failures are SessionErrors (retried). */
  async #tokenRequest(clientId: string, form: Record<string, string>): Promise<string | null> {
    let res: Response;
    try {
      res = await this.#fetch(`${this.serviceUrl}/token`, {
        method: 'POST',
        credentials: 'omit',
        cache: 'no-store',
        headers: { Accept: 'application/json' },
        // The view comes along: a sign-in or renewal then costs no CORS preflight and no /api/me.
        body: new URLSearchParams({ ...form, client_id: clientId, userbox_view: '1' }),
      });
    } catch (err) {
      throw new SessionError(`${this.serviceUrl} unreachable: ${(err as Error).message}`, null);
    }
    if (res.status === 400 || res.status === 401) {
      this.#forget(clientId);
      return null;
    }
    if (!res.ok) throw new SessionError(`${this.serviceUrl} answered ${res.status}`, res.status);
    const body = (await res.json()) as TokenAnswer;
    this.#win.localStorage.setItem(this.#refreshKey(clientId), body.refresh_token);
    this.#view = 'user' in Object(body.userbox_view) ? body.userbox_view : undefined;
    // Renew a minute before expiry; this is also when a sign-out elsewhere shows at the latest.
    const renewInMs = Math.max(0, body.expires_in - 60) * 1000;
    this.#hold({ token: body.access_token, idToken: body.id_token, expiresAt: Date.now() + renewInMs });
    return body.access_token;
  }

  /** Uses `access` until it is due for renewal, and keeps it in this tab when views are kept. */
  #hold(access: AccessToken): void {
    this.#access = access;
    if (this.keeper?.maxAgeMs) this.#win.sessionStorage.setItem(this.#accessKey(), JSON.stringify(access));
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = setTimeout(() => {
      this.#access = undefined;
      void this.refresh();
    }, access.expiresAt - Date.now());
  }

  #forget(clientId: string): void {
    this.#access = undefined;
    this.#view = undefined;
    clearTimeout(this.#expiryTimer);
    this.#win.localStorage.removeItem(this.#refreshKey(clientId));
    this.#win.sessionStorage.removeItem(this.#accessKey());
    this.keeper?.clear();
  }

  /** Where this tab keeps its access token (one per service: a page has one app). */
  #accessKey(): string {
    return `userbox:access:${this.serviceUrl}`;
  }

  /** Where this app's refresh token is kept, and the name of the lock its refreshes take. */
  #refreshKey(clientId: string): string {
    return `userbox:refresh:${this.serviceUrl}:${clientId}`;
  }

  /** A browser-session cookie of this site: the silent bounce was tried, so never loop. */
  #triedCookie(clientId: string): string {
    return `userbox_tried_${encodeURIComponent(clientId)}=1`;
  }

  #tried(clientId: string): boolean {
    return this.#win.document.cookie.split('; ').includes(this.#triedCookie(clientId));
  }

  #markTried(clientId: string): void {
    const secure = this.#win.location.protocol === 'https:' ? '; Secure' : '';
    this.#win.document.cookie = `${this.#triedCookie(clientId)}; Path=/; SameSite=Lax${secure}`;
  }
}
