import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { MenuController, type Popup } from './menu-controller.js';
import { messagesFor } from './messages.js';
import { safeUrl } from './safe-url.js';
import { sharedSessionClient } from './shared-session.js';
import {
  type SessionClient,
  type SessionError,
  type SessionUpdate,
  toSessionError,
  type UserboxApp,
  type UserboxUser,
} from './session-client.js';
import { styles } from './user-box.styles.js';

// The origin this script was loaded from is the default account service. A classic script (the IIFE build)
// learns it from document.currentScript, which is set only while it first runs; a module from import.meta.url.
const scriptOrigin = new URL(
  (document.currentScript as HTMLScriptElement | null)?.src || import.meta.url || location.href,
).origin;

/**
 * @summary The shared account bar: who is signed in, their account menu, and a launcher for the family's apps.
 * @tagname user-box
 *
 * @event {CustomEvent<{ user: UserboxUser | null }>} userbox-change - The signed-in user became known or changed.
 * @event {CustomEvent<{ everywhere: boolean }>} userbox-signout - The user signed out through the box or `signOut()`.
 * @event {CustomEvent<{ error: SessionError }>} userbox-error - The service could not be reached or answered an
 *   error. The box keeps what it shows and retries with backoff.
 *
 * @slot - Extra content in the account panel, under the name and email.
 * @slot menu-items - Custom menu items, between **Manage your account** and **Sign out**. Each slotted element
 *   becomes a `menuitem` that the arrow keys reach; use links or buttons.
 *
 * @csspart sign-in - The **Sign in** link shown when signed out.
 * @csspart button - The account button shown when signed in.
 * @csspart avatar - The picture or initials, in the button and in the panel.
 * @csspart placeholder - The neutral circle shown while loading.
 * @csspart panel - The account panel opened by the button.
 * @csspart menu - The list of actions in the account panel.
 * @csspart item - Each built-in action in the account menu.
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
    _user: { state: true },
    _apps: { state: true },
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
   * `token` (OpenID Connect tokens, for pages on another site). Unset: chosen by comparing the two sites.
   */
  declare mode: 'cookie' | 'token' | undefined;
  /** Token mode: the app's id in the service's registry. Unset: the registered app whose URL has this page's origin. */
  declare clientId: string | undefined;
  /** Token mode: where the service sends the browser back; must be registered. Unset: this page's URL without query and hash. */
  declare redirectUri: string | undefined;

  /** undefined while loading, null when signed out. */
  declare private _user: UserboxUser | null | undefined;
  declare private _apps: UserboxApp[] | undefined;
  #client: SessionClient | undefined;
  readonly #menus = new MenuController(this, (popup) => this.#loadApps(popup));
  #unsubscribe: (() => void) | undefined;
  #lastUserJson: string | undefined;

  constructor() {
    super();
    this.service = scriptOrigin;
    this.hideLauncher = false;
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
    if (['service', 'mode', 'clientId', 'redirectUri'].some((name) => changed.has(name as keyof UserBox))) void this.#connect();
  }

  /** Asks the service again who is signed in. Never rejects; a failure fires `userbox-error`. */
  async refresh(): Promise<void> {
    await this.#client?.refresh();
  }

  /** Signs out of this session, or of every session of the user with `everywhere`. Never rejects. */
  async signOut({ everywhere = false }: { everywhere?: boolean } = {}): Promise<void> {
    const hadFocus = this.matches(':focus-within');
    this.#menus.close();
    try {
      // Before the first answer there is no session to end.
      if (!this.#client) return;
      await this.#client.signOut(everywhere);
      this.#emit('userbox-signout', { everywhere });
      await this.updateComplete;
      if (hadFocus) this.renderRoot.querySelector<HTMLElement>('[part=sign-in]')?.focus();
    } catch (error) {
      this.#emit('userbox-error', { error: toSessionError(error) });
    }
  }

  async #connect(): Promise<void> {
    this.#unsubscribe?.();
    // The box is its own options (mode, clientId, redirectUri); the shared client takes a copy of them.
    const client = await sharedSessionClient(this.service, this);
    this.#client = client;
    this.#unsubscribe = client.subscribe(this.#onSession);
    // Another box on the page may already know the user: show it at once instead of a placeholder.
    if (client.last) this.#onSession({ me: client.last });
    await client.refresh();
  }

  readonly #onSession = ({ me, error }: SessionUpdate): void => {
    if (error) return this.#emit('userbox-error', { error });
    const json = JSON.stringify(me.user);
    if (json === this.#lastUserJson) return;
    this.#lastUserJson = json;
    this._user = me.user;
    // The initials' background, inherited into the shadow root. Set through CSSOM, which a strict style-src
    // allows (a style="" attribute it would block). Only color-mix() reads it: a value that is not a colour
    // leaves the default grey, never a request.
    this.style.setProperty('--_color', me.user?.color ?? null);
    this.#menus.close();
    this.#emit('userbox-change', { user: me.user });
  };

  /** The launcher's list, asked for when it first opens (and again on the next open after a failure). */
  async #loadApps(popup: Popup): Promise<void> {
    if (popup !== 'apps' || this._apps || !this.#client) return;
    try {
      this._apps = await this.#client.apps();
    } catch (error) {
      this.#emit('userbox-error', { error: toSessionError(error) });
    }
  }

  #emit<K extends keyof UserboxEventMap>(type: K, detail: UserboxEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
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
      aria-expanded=${this.#menus.open === popup}
      @click=${(e: Event) => this.#menus.trigger(e, popup)}
      @keydown=${(e: Event) => this.#menus.trigger(e, popup)}
    >
      ${content}
    </button>`;
  }

  #renderApp(app: UserboxApp) {
    const href = safeUrl(app.url, location.protocol == 'http:');
    if (!href) return nothing;
    const icon = safeUrl(app.icon, location.protocol == 'http:', true);
    const current = new URL(href).origin === location.origin;
    return html`<a part="app" role="menuitem" tabindex="-1" href=${href} aria-current=${current || nothing}>
      ${icon
        ? html`<img part="app-icon" class="icon" src=${icon} alt="" />`
        : html`<span part="app-icon" class="icon" aria-hidden="true">${app.name[0]}</span>`}
      <span class="label">${app.name}</span>
    </a>`;
  }

  override render() {
    const t = messagesFor(this.closest('[lang]')?.getAttribute('lang'));
    const user = this._user;
    const client = this.#client;
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
          <div part="launcher-panel" class="panel" ?hidden=${this.#menus.open !== 'apps'}>
            <div id="apps-menu" role="menu" aria-label=${t.apps} @keydown=${this.#menus.menuKeyDown} @click=${this.#menus.menuClick}>
              ${this._apps?.map((app) => this.#renderApp(app))}
            </div>
          </div>`;
    // A user is only ever set by a client's answer, so `client` is there whenever `user` is known.
    if (user === undefined || !client) {
      return html`${launcher}<span part="placeholder" class="avatar placeholder" role="img" aria-label=${t.loading}></span>`;
    }
    if (!user) {
      return html`${launcher}<a part="sign-in" class="sign-in" href=${client.loginUrl(this.returnTo ?? location.href)}
          >${t.signIn}</a
        >`;
    }
    const label = t.account + user.name;
    return html`${launcher}${this.#renderTrigger('account', 'button', label, this.#renderAvatar(user))}
      <div part="panel" class="panel account" ?hidden=${this.#menus.open !== 'account'}>
        <div class="who">
          ${this.#renderAvatar(user)}
          <span class="name">${user.name}</span>
          <span class="email">${user.email}</span>
          <slot></slot>
        </div>
        <div part="menu" id="account-menu" role="menu" aria-label=${label} @keydown=${this.#menus.menuKeyDown} @click=${this.#menus.menuClick}>
          <a part="item" role="menuitem" tabindex="-1" href=${client.serviceUrl + '/account'}>${t.manage}</a>
          <slot name="menu-items" @slotchange=${this.#menus.slotChange}></slot>
          <button part="item" role="menuitem" tabindex="-1" type="button" @click=${() => this.signOut()}>${t.signOut}</button>
          <button part="item" role="menuitem" tabindex="-1" type="button" @click=${() => this.signOut({ everywhere: true })}>
            ${t.signOutAll}
          </button>
        </div>
      </div>`;
  }
}

export interface UserboxEventMap {
  'userbox-change': CustomEvent<{ user: UserboxUser | null }>;
  'userbox-signout': CustomEvent<{ everywhere: boolean }>;
  'userbox-error': CustomEvent<{ error: SessionError }>;
}

declare global {
  interface HTMLElementTagNameMap {
    'user-box': UserBox;
  }
  interface HTMLElementEventMap extends UserboxEventMap {}
}
