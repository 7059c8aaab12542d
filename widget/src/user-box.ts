import { LitElement, html, nothing, type PropertyValues } from 'lit';
import type { ViewKeeper } from './kept-view.js';
import type { Popup } from './menu-controller.js';
import { messagesFor, type Messages } from './messages.js';
import { safeUrl } from './safe-url.js';
import { sharedSessionClient } from './shared-session.js';
import {
  type SessionClient,
  SessionError,
  type SessionUpdate,
  toSessionError,
  type UserboxAccount,
  type UserboxApp,
  type UserboxUser,
} from './session-client.js';
import { styles } from './user-box.styles.js';

type Menus = typeof import('./menus.js');

// The origin this script was loaded from is the default account service. A classic script (the IIFE build)
// learns it from document.currentScript, which is set only while it first runs; a module from import.meta.url.
const scriptOrigin = new URL(
  (document.currentScript as HTMLScriptElement | null)?.src || import.meta.url || location.href,
).origin;

/**
 * @summary The shared account bar: who is signed in, their account menu, and a launcher for the family's apps.
 * A repeat page view shows the view kept from the last one at once and asks the service nothing (`view-max-age`).
 * @tagname user-box
 *
 * @event {CustomEvent<{ user: UserboxUser | null }>} userbox-change - The signed-in user became known or changed.
 * @event {CustomEvent<{ everywhere: boolean; all: boolean }>} userbox-signout - The user signed out through the box
 *   or `signOut()`: the account this app shows (`everywhere`: on every device), or every account of this browser
 *   (`all`). Another account of the browser may follow (a `userbox-change`).
 * @event {CustomEvent<{ user: UserboxUser | null }>} userbox-switch - The user chose another account in the box's
 *   list; `user.id` is its OIDC `sub`. Fired in every tab of the app that follows the switch, after its
 *   `userbox-change`. A server-rendered host follows with `/login?login_hint=<user.id>`. (Token mode leaves for the
 *   provider instead, and comes back with a `userbox-change`.)
 * @event {CustomEvent<{ error: SessionError }>} userbox-error - The service could not be reached or answered an
 *   error. The box keeps what it shows and retries with backoff; with nothing shown yet, it shows the view kept
 *   from an earlier page view (if this browser's session still has one), else **Sign in**.
 *
 * @slot - Extra content in the account panel, under the name and email.
 * @slot menu-items - Custom menu items, between **Manage your account** and **Sign out**. Each slotted element
 *   becomes a `menuitem` that the arrow keys reach; use links or buttons.
 *
 * @csspart sign-in - The **Sign in** link shown when signed out.
 * @csspart button - The account button shown when signed in.
 * @csspart avatar - The picture or initials, in the button and in the panel.
 * @csspart placeholder - The neutral circle shown while loading (at most 1.5 s; not on a repeat page view, which
 *   paints the kept view in its first render).
 * @csspart panel - The account panel opened by the button.
 * @csspart menu - The list of actions in the account panel.
 * @csspart item - Each built-in action in the account menu (the other accounts' sign-out buttons too).
 * @csspart account - Each other account of this browser listed in the account menu; choosing it switches to it.
 * @csspart verify - "Verify your email" under the address of an unverified account (a live region that then says
 *   how **Send a new link**, the menu's second item in cookie mode, went).
 * @csspart launcher - The app launcher button (3×3 grid).
 * @csspart launcher-panel - The panel listing the apps.
 * @csspart app - Each app in the launcher.
 * @csspart app-icon - Each app's icon.
 *
 * @cssproperty [--userbox-size=32px] - Diameter of the avatar; buttons are 8px larger.
 * @cssproperty [--userbox-accent=#0b57d0] - Sign-in button, focus ring and current-app colour.
 * @cssproperty [--userbox-on-accent=#fff] - Text on the accent colour.
 * @cssproperty [--userbox-background=#fff] - Panel background.
 * @cssproperty [--userbox-color=#1f1f1f] - Text and icon colour.
 * @cssproperty [--userbox-muted-color=#444746] - Secondary text colour.
 * @cssproperty [--userbox-radius=8px] - Corner radius of the buttons and panels (panels use twice this).
 * @cssproperty [--userbox-font=system-ui] - Font family.
 */
export class UserBox extends LitElement {
  static override styles = styles;
  static override properties = {
    service: {},
    returnTo: { attribute: 'return-to' },
    // The native lang attribute and property already mirror each other; declared so a change re-renders.
    lang: {},
    theme: { reflect: true },
    hideLauncher: { type: Boolean, attribute: 'hide-launcher' },
    mode: {},
    clientId: { attribute: 'client-id' },
    redirectUri: { attribute: 'redirect-uri' },
    viewMaxAge: { type: Number, attribute: 'view-max-age' },
    _user: { state: true },
    _apps: { state: true },
    _accounts: { state: true },
  };

  /** Origin of the account service. Defaults to the origin this script was loaded from. */
  declare service: string;
  /** Where **Sign in** returns to. Defaults to the current page. */
  declare returnTo: string | undefined;
  /** `light` (default), `dark`, or `auto` to follow `prefers-color-scheme`. */
  declare theme: 'light' | 'dark' | 'auto' | undefined;
  /** Hides the app launcher. */
  declare hideLauncher: boolean;
  /**
   * How the box learns the user: `cookie` (the service's session cookie, for pages on the service's site) or
   * `token` (OpenID Connect tokens, for pages on another site; where the browser has FedCM it is asked first,
   * before the one bounce through `/authorize`). Unset: chosen by comparing the two sites.
   */
  declare mode: 'cookie' | 'token' | undefined;
  /** Token mode: the app's id in the service's registry. Unset: the registered app whose URL has this page's origin. */
  declare clientId: string | undefined;
  /** Token mode: where the service sends the browser back; must be registered. Unset: this page's URL without query and hash. */
  declare redirectUri: string | undefined;
  /**
   * Seconds the box shows the view it kept from an earlier page view without asking the service (default 300).
   * Cookie mode keeps it in localStorage while the site's `userbox_sync` cookie is unchanged; token mode in this
   * tab's sessionStorage for the access token's life; never past the session's expiry. `0` keeps nothing: every
   * page view asks.
   */
  declare viewMaxAge: number;

  /** undefined while loading, null when signed out. */
  declare private _user: UserboxUser | null | undefined;
  declare private _apps: UserboxApp[] | undefined;
  /** This browser's accounts, from the last answer that listed them (a kept view does not). */
  declare private _accounts: UserboxAccount[] | undefined;
  #client: SessionClient | undefined;
  #keeper: ViewKeeper | undefined;
  /** The menus' keyboard and pointer rules and the launcher: a chunk of their own, loaded after the first paint. */
  #menus: InstanceType<Menus['MenuController']> | undefined;
  #menusLoading: Promise<unknown> | undefined;
  #renderApps: Menus['renderApps'] | undefined;
  /** The account panel's content (hidden until the menus chunk, which opens it, has come). */
  #renderPanel: Menus['renderPanel'] | undefined;
  #unsubscribe: (() => void) | undefined;
  #lastUserJson: string | undefined;

  constructor() {
    super();
    this.service = scriptOrigin;
    this.hideLauncher = false;
    this.viewMaxAge = 300;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) void this.#connect();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unsubscribe?.();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Any of these may choose another client.
    if (['service', 'mode', 'clientId', 'redirectUri', 'viewMaxAge'].some((name) => changed.has(name as keyof UserBox))) void this.#connect();
  }

  /** Asks the service again who is signed in. Never rejects; a failure fires `userbox-error`. */
  async refresh(): Promise<void> {
    await this.#client?.refresh();
  }

  /**
   * Signs out the account this app shows (the app then shows the browser's default account, if one remains), or
   * with `everywhere` all of that user's sessions, or with `all` every account of this browser. Never rejects.
   */
  async signOut({ everywhere = false, all = false }: { everywhere?: boolean; all?: boolean } = {}): Promise<void> {
    await this.#signOut(everywhere, null, all);
  }

  async #signOut(everywhere: boolean, handle: string | null, all: boolean): Promise<void> {
    const hadFocus = this.matches(':focus-within');
    this.#menus?.close();
    try {
      // Before the first answer there is no session to end.
      if (!this.#client) return;
      await this.#client.signOut(everywhere, handle, all, () => this.#emit('userbox-signout', { everywhere, all }));
      await this.updateComplete;
      if (hadFocus) this.renderRoot.querySelector<HTMLElement>('[part=sign-in],[part=button]')?.focus();
    } catch (error) {
      this.#emit('userbox-error', { error: toSessionError(error) });
    }
  }

  async #connect(): Promise<void> {
    this.#unsubscribe?.();
    // The box is its own options (mode, clientId, redirectUri, viewMaxAge); the shared client takes a copy.
    const shared = sharedSessionClient(this.service, this);
    // Called from willUpdate: what is set before the first await is in this very render. A kept view is
    // painted in the first frame, no placeholder in between (token mode's client comes with its chunk, later).
    if (!(shared.client instanceof Promise)) this.#client = shared.client;
    const kept = shared.keeper.read();
    if (kept) this.#onSession({ me: kept });
    // A service that does not answer at all: what the box would show if it failed, within 2 s (1.5 s leaves a
    // busy page's late timers and the render room).
    this.#keeper = shared.keeper;
    setTimeout(() => this._user === undefined && this.#onSession({ error: new SessionError(this.service + ' did not answer', null) }), 1500);
    const client = await shared.client;
    this.#client = client;
    // A token-mode box may have painted a kept view (or Sign in after 1.5 s) before its client came.
    this.requestUpdate();
    this.#unsubscribe = client.subscribe(this.#onSession);
    // Another box on the page may already know the user: show it at once instead of a placeholder.
    if (client.last) this.#onSession({ me: client.last });
    await client.revalidate();
  }

  readonly #onSession = ({ me, error }: SessionUpdate): void => {
    if (error) {
      // Nothing to show yet (the service is down): the kept view, however old, while it is still this browser's
      // session; else Sign in. Never an endless placeholder; the client keeps retrying and recovers by itself.
      if (this._user === undefined) {
        const stale = this.#keeper?.read(true);
        if (stale) return this.#onSession({ me: stale });
        this._user = null;
      }
      return this.#emit('userbox-error', { error });
    }
    if (me.accounts) this._accounts = me.accounts;
    const json = JSON.stringify(me.user);
    if (json === this.#lastUserJson) return;
    this.#lastUserJson = json;
    this._user = me.user;
    // The initials' background, inherited into the shadow root. Set through CSSOM, which a strict style-src
    // allows (a style="" attribute it would block). Only color-mix() reads it: a value that is not a colour
    // leaves the default grey, never a request.
    this.style.setProperty('--_color', me.user?.color ?? null);
    this.#menus?.close();
    this.#emit('userbox-change', { user: me.user });
  };

  /**
   * The launcher's list, asked for when it first opens (and again on the next open after a failure); the
   * account list, asked for when the menu opens on a kept view, which does not hold it.
   */
  async #beforeOpen(popup: Popup): Promise<void> {
    if (!this.#client) return;
    if (popup === 'account') return this._accounts ? undefined : this.#client.refresh();
    if (this._apps) return;
    try {
      this._apps = await this.#client.apps();
    } catch (error) {
      this.#emit('userbox-error', { error: toSessionError(error) });
    }
  }

  #emit<K extends keyof UserboxEventMap>(type: K, detail: UserboxEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /**
   * The menus chunk, asked for once the box has painted (from the cache on a repeat view), so that it is there
   * before the first key press: a key pressed while it loads would be replayed with focus already elsewhere.
   */
  #loadMenus(): Promise<unknown> {
    return (this.#menusLoading ??= import('./menus.js').then((menus) => {
      this.#menus = new menus.MenuController(this, (p) => this.#beforeOpen(p));
      this.#renderApps = menus.renderApps;
      this.#renderPanel = menus.renderPanel;
      const root = this.renderRoot as ShadowRoot;
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, menus.launcherStyles.styleSheet!, menus.accountStyles.styleSheet!];
      this.requestUpdate();
      return menus;
    }));
  }

  protected override firstUpdated(): void {
    void this.#loadMenus();
  }

  /** A trigger's click or key: to the menus, once their chunk is there (a first press may come before it). */
  #trigger(event: Event, popup: Popup): void {
    if (this.#menus) return this.#menus.trigger(event, popup);
    if (event.type === 'keydown' && !/^Arrow(Up|Down)$/.test((event as KeyboardEvent).key)) return;
    event.preventDefault();
    void this.#loadMenus().then(() => this.#menus!.trigger(event, popup));
  }

  #renderAvatar(user: UserboxUser) {
    const src = safeUrl(user.picture, location.protocol == 'http:');
    return src
      ? html`<img part="avatar" class="avatar" src=${src} alt="" referrerpolicy="no-referrer" />`
      : html`<span part="avatar" class="avatar" aria-hidden="true">${user.initials}</span>`;
  }

  #renderTrigger(popup: Popup, part: string, label: string, content: unknown) {
    return html`<button
      part=${part}
      class="trigger"
      type="button"
      aria-label=${label}
      aria-haspopup="menu"
      aria-expanded=${this.#menus?.open === popup}
      @click=${(e: Event) => this.#trigger(e, popup)}
      @keydown=${(e: Event) => this.#trigger(e, popup)}
    >
      ${content}
    </button>`;
  }

  override render() {
    const t = messagesFor(this.closest('[lang]')?.getAttribute('lang'));
    const launcher = this.hideLauncher
      ? nothing
      : html`${this.#renderTrigger(
            'apps',
            'launcher',
            t.apps,
            html`<svg class="grid" viewBox="-4 -4 32 32" aria-hidden="true">
              <path d="M5 5h0m7 0h0m7 0h0M5 12h0m7 0h0m7 0h0M5 19h0m7 0h0m7 0h0" />
            </svg>`,
          )}
          <div part="launcher-panel" class="panel" ?hidden=${this.#menus?.open !== 'apps'}>
            <div id="apps-menu" role="menu" aria-label=${t.apps} @keydown=${this.#menus?.menuKeyDown} @click=${this.#menus?.menuClick}>
              ${this._apps && this.#renderApps?.(this._apps)}
            </div>
          </div>`;
    // One template around the launcher and what follows it, so the launcher stays the same element (and keeps
    // its focus) when the box goes from loading to signed in or out.
    return html`${launcher}${this.#renderAccount(t)}`;
  }

  #renderAccount(t: Messages) {
    const user = this._user;
    const client = this.#client;
    // Sign in needs the client's login URL; a kept user is shown before token mode's client has come.
    if (user === undefined || (!user && !client)) {
      return html`<span part="placeholder" class="avatar placeholder" role="img" aria-label=${t.loading}></span>`;
    }
    if (!user) {
      return html`<a part="sign-in" class="sign-in" href=${client!.loginUrl(this.returnTo ?? location.href, t.lang)}
          >${t.signIn}</a
        >`;
    }
    const label = t.account + user.name;
    return html`${this.#renderTrigger('account', 'button', label, this.#renderAvatar(user))}
      <div part="panel" class="panel account" ?hidden=${this.#menus?.open !== 'account'}>
        ${this.#renderPanel?.({
          user,
          label,
          avatar: this.#renderAvatar(user),
          t,
          accounts: this._accounts,
          service: this.service,
          returnTo: this.returnTo ?? location.href,
          menus: this.#menus!,
          host: this,
          client: client!,
          signOut: (everywhere, account, all = false) => void this.#signOut(everywhere, account?.id ?? null, all),
        })}
      </div>`;
  }
}

export interface UserboxEventMap {
  'userbox-change': CustomEvent<{ user: UserboxUser | null }>;
  'userbox-signout': CustomEvent<{ everywhere: boolean; all: boolean }>;
  'userbox-switch': CustomEvent<{ user: UserboxUser | null }>;
  'userbox-error': CustomEvent<{ error: SessionError }>;
}

declare global {
  interface HTMLElementTagNameMap {
    'user-box': UserBox;
  }
  interface HTMLElementEventMap extends UserboxEventMap {}
}
