import type { ViewKeeper } from './kept-view.js';

/** A user as the account service's `/api/me` describes them. */
export interface UserboxUser {
  id: string;
  name: string;
  email: string;
  /** An https URL, or null when the user has no picture. */
  picture: string | null;
  initials: string;
  /** Avatar background for the initials, `#rrggbb`. */
  color?: string;
  /** False until the address is proven by a mailed link: the account panel then says "Verify your email". */
  emailVerified?: boolean;
}

/** An account signed in on this browser, as `/api/me` lists them; `id` is its opaque handle, not the user id. */
export interface UserboxAccount {
  id: string;
  name: string;
  email: string;
  picture: string | null;
  /** The account `user` is. */
  current: boolean;
}

export interface MeResponse {
  user: UserboxUser | null;
  session?: { id?: string; expiresAt: string };
  /** Every account signed in on this browser (token mode: the token's only); absent from a kept view. */
  accounts?: UserboxAccount[];
}

/** An app of the family, as `/api/apps` lists it. */
export interface UserboxApp {
  id: string;
  name: string;
  url: string;
  /** null, an https URL or a `data:image/svg+xml` URL. */
  icon: string | null;
}

export class SessionError extends Error {
  override name = 'SessionError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/**
 * `err` as a SessionError: itself when it is one (by name, since token mode's module has a class of its own),
 * else wrapped with no status.
 */
export const toSessionError = (err: unknown): SessionError =>
  (err as Error | undefined)?.name === 'SessionError' ? (err as SessionError) : new SessionError(String(err), null);

/** What subscribers hear after each attempt to learn the session: the answer, or why there is none. */
export type SessionUpdate = { me: MeResponse; error?: undefined } | { me?: undefined; error: SessionError };

/** The part of BroadcastChannel the client uses, so tests can pass a pair of channels. */
export interface SyncChannel {
  postMessage(message: string | null): void;
  onmessage: ((event: MessageEvent) => void) | null;
}

/** Wait before retry `attempt` (0 first): 1 s, 2 s, 4 s … up to a minute, ±20 % so tabs do not retry in step. */
export function retryDelay(attempt: number): number {
  return Math.min(60_000, 1000 * 2 ** attempt) * (0.8 + 0.4 * Math.random());
}

type Fetch = typeof fetch;

/**
 * Talks to one account service: who is signed in, the apps, sign out. No DOM here, so it is tested without a
 * browser. Concurrent `me()` calls share one request; `refresh()` never rejects, retries with backoff after a
 * failure, and tells every subscriber. When the signed-in user changes it posts the new user id on `sync` (a
 * BroadcastChannel), and when another tab posts an id different from its own it asks the service again.
 *
 * With a `keeper`, each answer is kept (the public view, in Web Storage) and `revalidate()` shows a kept view that
 * is still trustworthy instead of asking: a repeat page view costs the service nothing.
 */
export class SessionClient {
  /** Token mode: a token holds one account, so switching is a bounce to the provider. */
  readonly token: boolean = false;
  /** The last answer from `/api/me`; undefined until the first one. */
  last: MeResponse | undefined;
  // #private: the minifier shortens these names, and the widget has a 10 KB budget.
  #inflight: Promise<MeResponse> | undefined;
  #appsRequest: Promise<UserboxApp[]> | undefined;
  #failures = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #listeners = new Set<(update: SessionUpdate) => void>();
  readonly #fetchImpl: Fetch;
  readonly #sync: SyncChannel | undefined;

  constructor(
    readonly serviceUrl: string,
    fetchImpl: Fetch = (...args) => fetch(...args),
    sync?: SyncChannel,
    readonly keeper?: ViewKeeper,
  ) {
    this.#fetchImpl = fetchImpl;
    this.#sync = sync;
    // The tab that posted has kept its answer already: revalidating finds it without asking.
    if (sync) sync.onmessage = ({ data }) => data !== this.#userId() && void this.revalidate();
  }

  /** One request to `/api/me`; rejects with a SessionError. Most callers want `refresh()`. */
  me(): Promise<MeResponse> {
    this.#inflight ??= this.#me(this.account()).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /** The chosen account (`handle`), or the default one; a handle no longer of this browser is forgotten. */
  async #me(handle: string | null | undefined): Promise<MeResponse> {
    const res = await this.#request('GET', '/api/me' + this.#query(handle));
    const body = (await res.json()) as MeResponse;
    // Object(): null, strings and numbers have no `user` either.
    if (!('user' in Object(body))) throw new SessionError('Malformed answer', 200);
    if (body.user || !handle) return body;
    this.keeper!.account = null;
    return this.#me(null);
  }

  /** The handle of the account this app shows, remembered by the keeper (none: the browser's default). */
  protected account(): string | null | undefined {
    return this.keeper?.account;
  }

  /**
   * Shows the account `handle` (an `accounts[].id`) in this app and its other tabs; no page reload. (Token mode:
   * a bounce to `/authorize` for the account whose `sub` is given, or to the account chooser.)
   */
  async switchTo(handle?: string): Promise<void> {
    this.keeper!.account = handle ?? null;
    await this.refresh();
  }

  /**
   * On a page view: the kept view when it is still trustworthy (same `userbox_sync` value, fresh, session not
   * expired), asking nothing; else `refresh()`. (A page shown again asks: `refresh()`.)
   */
  async revalidate(): Promise<void> {
    const kept = this.keeper?.read();
    if (!kept) return this.refresh();
    clearTimeout(this.#retryTimer);
    this.#set(kept, false);
  }

  /** Asks who is signed in and tells the subscribers. Never rejects: a failure is reported and retried later. */
  async refresh(): Promise<void> {
    clearTimeout(this.#retryTimer);
    // Read before asking: a sign-out during the request must not be stamped on the older answer.
    const sync = this.keeper?.version() ?? '';
    try {
      const me = await this.me();
      this.#failures = 0;
      this.keep(me, sync);
      this.#set(me);
    } catch (err) {
      const error = toSessionError(err);
      // One warning per outage, not one per retry.
      if (!this.#failures) console.warn('[user-box]', error.message);
      clearTimeout(this.#retryTimer);
      this.#retryTimer = setTimeout(() => void this.refresh(), retryDelay(this.#failures++));
      this.#emit({ error });
    }
  }

  /** The registered apps, asked once per page (again after a failure). */
  apps(): Promise<UserboxApp[]> {
    this.#appsRequest ??= this.#request('GET', '/api/apps')
      .then((res) => res.json() as Promise<{ apps?: unknown }>)
      .then((body) => (Array.isArray(body?.apps) ? (body.apps as UserboxApp[]) : []))
      .catch((err: unknown) => {
        this.#appsRequest = undefined;
        throw err;
      });
    return this.#appsRequest;
  }

  /**
   * Signs out the account this app shows, or `handle` (another of this browser's accounts), or with `everywhere`
   * all of that user's sessions; then shows what remains, the browser's default account or nobody. With `all`,
   * every account of this browser ("Sign out of all accounts"). `done` is called once the service has ended it
   * (token mode: before the page leaves for the provider). Rejects with a SessionError.
   */
  async signOut(everywhere = false, handle?: string | null, all = false, done?: () => void): Promise<void> {
    // A kept view does not hold the handle: ask for it (a handle must be named, or every account would end).
    const shown = all ? null : (this.last?.session?.id ?? (await this.me()).session?.id);
    handle ??= shown;
    if (all || handle) await this.#request('DELETE', (everywhere ? '/api/sessions' : '/api/session') + this.#query(handle));
    done?.();
    // The answer gave the site a new userbox_sync value, which no kept view was fetched under.
    this.keeper?.clear();
    if (handle == shown && this.keeper) this.keeper.account = null;
    if (all || !handle) this.#set({ user: null });
    else await this.refresh();
  }

  /** Calls `listener` after every attempt; returns the function that stops it. */
  subscribe(listener: (update: SessionUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The service's sign-in page, coming back to `returnTo`, in the box's language `lang`. */
  loginUrl(returnTo: string, lang: string): string {
    return `${this.serviceUrl}/login?return_to=${encodeURIComponent(returnTo)}&lang=${lang}`;
  }

  /** How requests prove who the user is: the service's cookie here, a bearer token in token mode. */
  protected auth(): RequestInit {
    return { credentials: 'include' };
  }

  /** Keeps an answer fetched under `sync`; token mode bounds it by the access token's life. */
  protected keep(me: MeResponse, sync: string): void {
    this.keeper?.write(me, sync);
  }

  #query(handle: string | null | undefined): string {
    return handle ? '?account=' + encodeURIComponent(handle) : '';
  }

  #userId(): string | null | undefined {
    return this.last && (this.last.user?.id ?? null);
  }

  /** Tells the subscribers; and the other tabs, when the user changed and the news is this tab's own (`post`). */
  #set(me: MeResponse, post = true): void {
    const before = this.#userId();
    this.last = me;
    if (post && this.#userId() !== before) this.#sync?.postMessage(this.#userId()!);
    this.#emit({ me });
  }

  #emit(update: SessionUpdate): void {
    for (const listener of this.#listeners) listener(update);
  }

  /**
   * The service's `Cache-Control` decides what the browser may keep: `no-store` on every answer but `/api/apps`,
   * which may be reused for a few minutes (a new tab, the next launcher opening).
   */
  async #request(method: string, path: string): Promise<Response> {
    let res: Response;
    try {
      res = await this.#fetchImpl(this.serviceUrl + path, { method, ...this.auth() });
    } catch (err) {
      throw new SessionError(`${this.serviceUrl} unreachable: ${(err as Error).message}`, null);
    }
    if (!res.ok) throw new SessionError(`${this.serviceUrl} answered ${res.status}`, res.status);
    return res;
  }
}
