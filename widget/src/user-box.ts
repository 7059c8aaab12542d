import { LitElement, html, type PropertyValues } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import { en } from './messages.js';
import { sessionClientFor, type SessionClient, type UserboxUser } from './session-client.js';
import { styles } from './user-box.styles.js';

// The origin this script was loaded from is the default account service. A classic script (the IIFE build)
// learns it from document.currentScript, which is set only while it first runs; a module from import.meta.url.
const scriptOrigin = new URL(
  (document.currentScript as HTMLScriptElement | null)?.src || import.meta.url || location.href,
).origin;

type Status = 'loading' | 'signed-out' | 'signed-in';

/** Only https pictures (or http on the service's own origin) become images. */
function safeImageUrl(url: string | null, serviceOrigin: string): string | null {
  if (!url || !URL.canParse(url)) return null;
  const parsed = new URL(url);
  return parsed.protocol === 'https:' || parsed.origin === serviceOrigin ? parsed.href : null;
}

/**
 * @summary The shared account bar: shows who is signed in, with a menu to manage the account or sign out.
 *
 * @event {CustomEvent<{ user: UserboxUser | null }>} userbox-change - The signed-in user changed (or became known).
 *
 * @csspart sign-in - The **Sign in** link shown when signed out.
 * @csspart button - The account button shown when signed in.
 * @csspart avatar - The picture or initials, in the button and in the menu.
 * @csspart panel - The popup opened by the account button.
 * @csspart menu - The list of actions in the panel.
 * @csspart item - Each action in the menu.
 * @csspart placeholder - The neutral circle shown while loading.
 *
 * @cssproperty [--userbox-size=32px] - Diameter of the avatar.
 * @cssproperty [--userbox-accent=#1a73e8] - Sign-in button and focus ring colour.
 * @cssproperty [--userbox-background=#fff] - Panel background.
 * @cssproperty [--userbox-color=#1f1f1f] - Text colour.
 * @cssproperty [--userbox-muted-color=#5f6368] - Secondary text colour.
 * @cssproperty [--userbox-radius=8px] - Corner radius of the button and panel.
 * @cssproperty [--userbox-font=system-ui] - Font family.
 */
export class UserBox extends LitElement {
  static override styles = styles;
  static override properties = {
    service: { type: String },
    returnTo: { type: String, attribute: 'return-to' },
    _status: { state: true },
    _user: { state: true },
    _open: { state: true },
  };

  /** Origin of the account service. Defaults to the origin this script was loaded from. */
  declare service: string;
  /** Where **Sign in** returns to. Defaults to the current page. */
  declare returnTo: string | undefined;

  declare private _status: Status;
  declare private _user: UserboxUser | null;
  declare private _open: boolean;
  private client!: SessionClient;
  private lastUserJson: string | undefined;

  constructor() {
    super();
    this.service = scriptOrigin;
    this.returnTo = undefined;
    this._status = 'loading';
    this._user = null;
    this._open = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('pointerdown', this.onDocumentPointerDown);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('pointerdown', this.onDocumentPointerDown);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('service')) {
      this.client = sessionClientFor(this.service);
      void this.refresh();
    }
  }

  /** Asks the service again who is signed in. */
  async refresh(): Promise<void> {
    try {
      const { user } = await this.client.me();
      this.setUser(user);
    } catch (err) {
      // Keep what is shown; a later refresh may succeed.
      console.warn('[user-box]', (err as Error).message);
    }
  }

  /** Signs out at the service and shows **Sign in**. */
  async signOut(): Promise<void> {
    this.closeMenu(false);
    await this.client.signOut();
    this.setUser(null);
  }

  private setUser(user: UserboxUser | null): void {
    this._user = user;
    this._status = user ? 'signed-in' : 'signed-out';
    const json = JSON.stringify(user);
    if (json === this.lastUserJson) return;
    this.lastUserJson = json;
    this.dispatchEvent(new CustomEvent('userbox-change', { detail: { user }, bubbles: true, composed: true }));
  }

  private get items(): HTMLElement[] {
    return [...this.renderRoot.querySelectorAll<HTMLElement>('[role="menuitem"]')];
  }

  private async openMenu(focus: 'first' | 'last'): Promise<void> {
    this._open = true;
    await this.updateComplete;
    const items = this.items;
    (focus === 'first' ? items[0] : items[items.length - 1])?.focus();
  }

  private closeMenu(returnFocus: boolean): void {
    if (!this._open) return;
    this._open = false;
    if (returnFocus) this.renderRoot.querySelector<HTMLElement>('[part="button"]')?.focus();
  }

  private readonly onDocumentPointerDown = (event: PointerEvent): void => {
    if (this._open && !event.composedPath().includes(this)) this.closeMenu(false);
  };

  private onButtonClick(): void {
    if (this._open) this.closeMenu(false);
    else void this.openMenu('first');
  }

  private onButtonKeyDown(event: KeyboardEvent): void {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      void this.openMenu(event.key === 'ArrowDown' ? 'first' : 'last');
    } else if (event.key === 'Escape') {
      this.closeMenu(true);
    }
  }

  private onMenuKeyDown(event: KeyboardEvent): void {
    const items = this.items;
    const active = this.shadowRoot?.activeElement;
    const index = items.indexOf(active as HTMLElement);
    const move = (to: number) => {
      event.preventDefault();
      items[(to + items.length) % items.length]?.focus();
    };
    switch (event.key) {
      case 'ArrowDown':
        return move(index + 1);
      case 'ArrowUp':
        return move(index - 1);
      case 'Home':
        return move(0);
      case 'End':
        return move(items.length - 1);
      case 'Escape':
        event.preventDefault();
        return this.closeMenu(true);
      case 'Tab':
        // Let focus leave naturally; the menu closes behind it.
        return this.closeMenu(false);
      case ' ':
        // Space activates links too, as it does for buttons.
        if (active instanceof HTMLAnchorElement) {
          event.preventDefault();
          active.click();
        }
        return;
    }
  }

  private renderAvatar(user: UserboxUser, large = false) {
    const src = safeImageUrl(user.picture, this.service);
    const cls = large ? 'avatar large' : 'avatar';
    if (src) return html`<img part="avatar" class=${cls} src=${src} alt="" referrerpolicy="no-referrer" />`;
    const color = user.color && /^#[0-9a-f]{6}$/i.test(user.color) ? user.color : undefined;
    return html`<span part="avatar" class=${cls} style=${styleMap({ background: color })} aria-hidden="true"
      >${user.initials}</span
    >`;
  }

  override render() {
    const t = en;
    if (this._status === 'loading') {
      return html`<span part="placeholder" class="placeholder" role="img" aria-label=${t.loading}></span>`;
    }
    const user = this._user;
    if (!user) {
      const returnTo = this.returnTo ?? location.href;
      return html`<a part="sign-in" class="sign-in" href=${this.client.loginUrl(returnTo)}>${t.signIn}</a>`;
    }
    return html`
      <button
        part="button"
        class="account"
        type="button"
        aria-label=${t.account(user.name)}
        aria-haspopup="menu"
        aria-expanded=${this._open ? 'true' : 'false'}
        aria-controls="menu"
        @click=${this.onButtonClick}
        @keydown=${this.onButtonKeyDown}
      >
        ${this.renderAvatar(user)}
      </button>
      <div part="panel" class="panel" ?hidden=${!this._open} @keydown=${this.onMenuKeyDown}>
        <div class="who">
          ${this.renderAvatar(user, true)}
          <span class="name">${user.name}</span>
          <span class="email">${user.email}</span>
        </div>
        <div part="menu" id="menu" role="menu" aria-label=${t.accountMenu}>
          <a part="item" role="menuitem" tabindex="-1" href=${this.client.accountUrl()}>${t.manageAccount}</a>
          <button part="item" role="menuitem" tabindex="-1" type="button" @click=${() => void this.signOut()}>
            ${t.signOut}
          </button>
        </div>
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'user-box': UserBox;
  }
  interface HTMLElementEventMap {
    'userbox-change': CustomEvent<{ user: UserboxUser | null }>;
  }
}

