import type { MeResponse } from './session-client.js';

/** The parts of Storage the keeper uses (localStorage in cookie mode, sessionStorage in token mode). */
export type ViewStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** What is stored: the public view only (what the box renders, no session id, never a token). */
interface StoredView {
  /** The user, and the session's expiry only. */
  me: MeResponse;
  /** The `userbox_sync` value the view was fetched under. */
  sync: string;
  /** The view is never shown without asking after this (ms): the session's expiry, or sooner. */
  expiresAt: number;
  /** Until then (ms) it is shown without asking; after, it is asked for again (`maxAgeMs` after fetching). */
  freshUntil: number;
}

/** Where a box keeps its last view of `service` (an origin). */
export const keptViewKey = (service: string): string => 'userbox:view:' + service;

/** Where the account chosen for the view kept under `viewKey` is kept; its changes are switches. */
export const keptAccountKey = (viewKey: string): string => viewKey + ':account';

/**
 * The last view a box rendered for a service, kept so that a repeat page view can paint it in the first frame
 * and ask the service nothing. It is trusted only while the `signal` (the site's `userbox_sync` cookie, which
 * the service changes on every sign-in, sign-out and profile change) still has the value it was fetched under,
 * and never after the session's expiry. Storage that throws (disabled, full) just keeps nothing.
 */
export class ViewKeeper {
  // #private: the minifier shortens these names, and the first paint has a 10 KB budget.
  readonly #storage: ViewStorage | undefined;
  readonly #key: string;
  readonly #now: () => number;
  /** Set for a page the user reloaded: show no kept view before asking once, as HTTP caches revalidate then. */
  askFirst = false;

  constructor(
    storage: ViewStorage | undefined,
    key: string,
    /** The current `userbox_sync` value ('' when there is none, or in token mode where it cannot be read). */
    readonly signal: () => string,
    /** How long a view is shown without asking; 0 keeps nothing. */
    readonly maxAgeMs: number,
    now: () => number = Date.now,
  ) {
    this.#storage = storage;
    this.#key = key;
    this.#now = now;
  }

  /**
   * The kept view if it may be shown now: same sync value, session not expired, and fresh (or, with `stale`,
   * however old: what a box shows while the service cannot be reached).
   */
  read(stale = false): MeResponse | undefined {
    if (!this.maxAgeMs) return;
    let kept: StoredView | undefined;
    try {
      kept = JSON.parse(this.#storage?.getItem(this.#key) ?? 'null') as StoredView | undefined;
    } catch {
      return;
    }
    const now = this.#now();
    if (!kept?.me || kept.sync !== this.version() || !(now < kept.expiresAt)) return;
    // A fresh view was fetched at most maxAge ago, also by a clock that was put back since.
    if (!stale && (this.askFirst || !(now < kept.freshUntil && kept.freshUntil - now <= this.maxAgeMs))) return;
    return kept.me;
  }

  /**
   * The account this app shows: its handle in this browser (`/api/me`'s `accounts[].id`), remembered per origin
   * (every tab of the app follows, other apps keep theirs); null for the browser's default account. Kept even
   * with `maxAgeMs` 0: it is the user's choice, not a cache.
   */
  get account(): string | null {
    try {
      return this.#storage?.getItem(keptAccountKey(this.#key)) ?? null;
    } catch {
      return null;
    }
  }

  set account(handle: string | null) {
    try {
      if (handle) this.#storage?.setItem(keptAccountKey(this.#key), handle);
      else this.#storage?.removeItem(keptAccountKey(this.#key));
    } catch {
      // Disabled or full: the app shows the default account.
    }
  }

  /**
   * What a kept view must have been fetched under to be shown: the `userbox_sync` value and the account chosen,
   * so that neither a change of the browser's accounts nor a switch ever shows a stale account.
   */
  version(): string {
    const account = this.account;
    return account ? this.signal() + ' ' + account : this.signal();
  }

  /**
   * Keeps `me`, fetched under the `version()` `sync` (read before the request: a change during it must not be
   * stamped on an older answer), until `until` at the latest (token mode: the access token's life).
   */
  write(me: MeResponse, sync: string, until = Infinity): void {
    this.askFirst = false;
    if (!this.maxAgeMs) return;
    const now = this.#now();
    const session = me.user ? Date.parse(me.session?.expiresAt ?? '') : Infinity;
    // 8.64e15: the latest Date, for a signed-out view (JSON has no Infinity). A signed-in view without a valid
    // expiry gets 0, which nothing is shown after.
    const expiresAt = Math.min(until, session || 0, 8.64e15);
    const view: StoredView = {
      me: expiresAt && me.user ? { user: me.user, session: { expiresAt: me.session!.expiresAt } } : { user: null },
      sync,
      expiresAt,
      freshUntil: Math.min(expiresAt, now + this.maxAgeMs),
    };
    try {
      this.#storage?.setItem(this.#key, JSON.stringify(view));
    } catch {
      // Full or disabled: the next page view asks, as if nothing had been kept.
    }
  }

  clear(): void {
    // Storage that is there does not throw on removal (a disabled one is not there: see createKeeper).
    this.#storage?.removeItem(this.#key);
  }
}
