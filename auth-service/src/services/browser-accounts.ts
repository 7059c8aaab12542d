import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import { emailKey } from '../store/users-repository.js';
import {
  needsSecondStep,
  tooManyAccounts,
  maxAccountsPerBrowser,
  type BrowserSession,
  type SecondStepRequired,
  type SessionService,
  type SessionView,
  type SignedIn,
  type SignInMeta,
} from './sessions.js';

export { maxAccountsPerBrowser, type BrowserSession } from './sessions.js';

/** One entry of `/api/me`'s `accounts`: `id` is the account's handle in this browser (its session id). */
export interface AccountEntry {
  id: string;
  name: string;
  email: string;
  picture: string | null;
  current: boolean;
}

/** The `/api/me` body when signed in: the account shown, and every account of the browser. */
export interface MeBody extends SessionView {
  accounts: AccountEntry[];
}

/** A sign-in taken into a browser's accounts: the account signed in to, and the browser's new list. */
export interface Admitted {
  signedIn: SignedIn;
  account: BrowserSession;
  accounts: BrowserSession[];
}

/** What `/authorize` should do for an app, given the browser's accounts (see `BrowserAccounts.choose`). */
export type AccountChoice =
  | { kind: 'account'; account: BrowserSession }
  /** Show the account chooser. */
  | { kind: 'choose' }
  /** Send the user to the sign-in page in add mode, with this email filled in when the hint was one. */
  | { kind: 'sign-in'; email: string | undefined }
  /** Several accounts and nothing to go by, where no page may be shown (`prompt=none`). */
  | { kind: 'selection-required' };

/**
 * Several accounts in one browser (ADR 0005). Each account is its own session; the browser's cookie holds their
 * tokens in order, and the first still alive is the default (Google's `authuser=0`). This module owns the rules
 * over that list: which account a request means, what signing in adds, what signing out leaves, and which
 * account `/authorize` picks for an app.
 */
export interface BrowserAccounts {
  /** The live accounts behind the cookie's tokens, in order. */
  read(tokens: readonly string[]): Promise<BrowserSession[]>;
  /**
   * The account a request means: the one whose handle is `handle`, else (no handle) the default. A handle that
   * is not one of this browser's answers undefined, never another account.
   */
  pick(accounts: readonly BrowserSession[], handle: string | undefined): BrowserSession | undefined;
  /** The `/api/me` body for `current`, one of `accounts`. */
  me(accounts: readonly BrowserSession[], current: BrowserSession): MeBody;
  /** The `/api/me` body for a single session (a bearer token's): its account alone. */
  single(view: SessionView): MeBody;
  /**
   * The `/api/me` body for the cookie's tokens and the `?account=` handle, or null (signed out, or a handle that
   * is not this browser's). One lookup for the common case, one token and no handle.
   */
  lookup(tokens: readonly string[], handle: string | undefined): Promise<MeBody | null>;
  /**
   * Takes a sign-in (a password, a second step, a passkey: each made with `accounts` as the session service's
   * `held`) into a browser that holds `accounts`. The same account again replaces its renewed session in place; a
   * new one is added: at the end with `add` ("Add another account"), else first, so it becomes the default (the
   * account the user just signed in with is the one they see). Answers the account and the browser's new list.
   */
  admit(accounts: readonly BrowserSession[], signedIn: SignedIn, add: boolean): Admitted;
  /**
   * Signs in with a password on a browser that holds `accounts` (see `admit`). An account with two-step
   * verification answers the pending second step instead; its `completeSecondStep`, with the same `accounts`, goes
   * to `admit` in turn.
   */
  signIn(accounts: readonly BrowserSession[], email: string, password: string, meta: SignInMeta, add: boolean): Promise<Admitted | SecondStepRequired>;
  /** Throws `TOO_MANY_ACCOUNTS` when the browser cannot hold one more account (sign-up checks before it creates one). */
  assertRoom(accounts: readonly BrowserSession[]): void;
  /** Ends one account of the browser (by handle; an unknown one ends nothing), or every one; answers what is left. */
  signOut(accounts: readonly BrowserSession[], handle?: string): Promise<BrowserSession[]>;
  /**
   * Which account `/authorize` uses for `clientId`: the `loginHint`'s (an email, any case, or a user id) when
   * it is signed in here, else the sign-in page; with no hint, the only account, or the one this app last used in
   * this browser (by any of the app's clients: those sharing an origin, such as a back end and the box on its
   * pages), or the chooser (`selection-required` when `interactive` is false). `chooser` forces the
   * chooser (`prompt=select_account`).
   */
  choose(
    accounts: readonly BrowserSession[],
    request: { clientId: string; loginHint: string | undefined; chooser: boolean; interactive: boolean },
  ): Promise<AccountChoice>;
  /** Remembers that `clientId` signed in with `account` in this browser. */
  recordChoice(clientId: string, account: BrowserSession): Promise<void>;
}

const entry = (s: SessionView, current: boolean): AccountEntry => ({
  id: s.session.id,
  name: s.user.name,
  email: s.user.email,
  picture: s.user.picture,
  current,
});

/**
 * `sameApp(clientId)`: the client ids of the app `clientId` belongs to, itself included (see `choose`): a back end
 * and the public client of the box on its pages are one app to the user.
 */
export function createBrowserAccounts(store: Store, sessions: SessionService, clock: Clock, sameApp: (clientId: string) => readonly string[] = (id) => [id]): BrowserAccounts {
  // The common case, one account, answers the same frozen body for as long as its session view stays the same
  // (the view is itself cached per session record): nothing is built on the hot path.
  const singles = new WeakMap<SessionView, MeBody>();
  const single = (view: SessionView): MeBody => {
    let body = singles.get(view);
    if (!body) {
      body = Object.freeze({ ...view, accounts: Object.freeze([Object.freeze(entry(view, true))]) as AccountEntry[] });
      singles.set(view, body);
    }
    return body;
  };

  const read = (tokens: readonly string[]) => (tokens.length === 0 ? Promise.resolve([]) : sessions.authenticateAll(tokens));
  const pick = (accounts: readonly BrowserSession[], handle: string | undefined) =>
    handle === undefined ? accounts[0] : accounts.find((a) => a.view.session.id === handle);
  const me = (accounts: readonly BrowserSession[], current: BrowserSession): MeBody =>
    accounts.length === 1 ? single(current.view) : { ...current.view, accounts: accounts.map((a) => entry(a.view, a === current)) };

  const admit = (accounts: readonly BrowserSession[], signedIn: SignedIn, add: boolean): Admitted => {
    const account: BrowserSession = {
      token: signedIn.token,
      view: { user: signedIn.user, session: signedIn.session },
      createdAt: clock(),
      expiresAt: signedIn.expiresAt,
    };
    if (signedIn.replaces !== undefined) {
      const replaced = accounts.map((a) => (a.token === signedIn.replaces ? account : a));
      // Gone from the list meanwhile: added as a new one would be.
      if (!replaced.includes(account)) return { signedIn, account, accounts: add ? [...accounts, account] : [account, ...accounts] };
      // Without `add`, the account signed in with becomes the default, as a new one does.
      return { signedIn, account, accounts: add ? replaced : [account, ...replaced.filter((a) => a !== account)] };
    }
    return { signedIn, account, accounts: add ? [...accounts, account] : [account, ...accounts] };
  };

  const byHint = (accounts: readonly BrowserSession[], hint: string) => {
    const key = emailKey(hint.trim());
    return accounts.find((a) => a.view.user.id === hint || emailKey(a.view.user.email) === key);
  };

  return {
    read,
    pick,
    me,
    single,

    async lookup(tokens, handle) {
      const [only] = tokens;
      if (only !== undefined && tokens.length === 1 && handle === undefined) {
        const view = await sessions.authenticate(only);
        return view && single(view);
      }
      const accounts = await read(tokens);
      const current = pick(accounts, handle);
      return current ? me(accounts, current) : null;
    },

    admit,

    async signIn(accounts, email, password, meta, add) {
      const result = await sessions.signIn(email, password, meta, accounts);
      return needsSecondStep(result) ? result : admit(accounts, result, add);
    },

    assertRoom(accounts) {
      if (accounts.length >= maxAccountsPerBrowser) throw tooManyAccounts();
    },

    async signOut(accounts, handle) {
      const ending = handle === undefined ? accounts : accounts.filter((a) => a.view.session.id === handle);
      for (const a of ending) await sessions.signOut(a.token);
      return accounts.filter((a) => !ending.includes(a));
    },

    async choose(accounts, { clientId, loginHint, chooser, interactive }) {
      if (loginHint !== undefined && loginHint.trim() !== '' && !chooser) {
        const hinted = byHint(accounts, loginHint);
        if (hinted) return { kind: 'account', account: hinted };
        return { kind: 'sign-in', email: loginHint.includes('@') ? loginHint.trim() : undefined };
      }
      if (accounts.length === 0) return { kind: 'sign-in', email: undefined };
      if (chooser) return { kind: 'choose' };
      const [only] = accounts;
      if (only && accounts.length === 1) return { kind: 'account', account: only };
      const last = await store.clientChoices.lastUsed(sameApp(clientId), accounts.map((a) => a.view.session.id));
      const used = last === undefined ? undefined : accounts.find((a) => a.view.session.id === last);
      if (used) return { kind: 'account', account: used };
      return interactive ? { kind: 'choose' } : { kind: 'selection-required' };
    },

    async recordChoice(clientId, account) {
      await store.clientChoices.record(account.view.session.id, clientId, clock());
    },
  };
}
