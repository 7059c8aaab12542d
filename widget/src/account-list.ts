import { html, nothing } from 'lit';
import { keptAccountKey, keptViewKey } from './kept-view.js';
import type { MenuController } from './menu-controller.js';
import { menuMessagesFor } from './menu-messages.js';
import type { Messages } from './messages.js';
import { safeUrl } from './safe-url.js';
import { type SessionClient, toSessionError, type UserboxAccount, type UserboxUser } from './session-client.js';
import { css } from './user-box.styles.js';
import { resendVerification, type ResendResult } from './verification-client.js';

/**
 * The account panel's styles, adopted with the menus chunk (the panel cannot open before it). Each other account
 * is a row of two items, the account and its sign-out.
 */
export const accountStyles = css`
  .account {
    width: min(284px, 100vw - 32px);
    padding-top: 20px;
  }
  .who {
    display: grid;
    justify-items: center;
    gap: 4px;
    padding: 0 8px 16px;
    text-align: center;
    overflow-wrap: anywhere;
  }
  .who .avatar {
    --_size: 64px;
  }
  .who .name {
    font-size: 16px;
    font-weight: 500;
  }
  .email {
    color: var(--userbox-muted-color, light-dark(#444746, #c4c7c5));
  }
  #account-menu {
    grid-template-columns: 1fr auto;
    padding-top: 8px;
    border-top: 1px solid var(--_tint);
  }
  #account-menu > :not(.other, .out),
  #account-menu ::slotted(*) {
    grid-column: 1 / -1;
  }
  .other .avatar {
    --_size: 32px;
    flex: none;
  }
  .other span {
    display: grid;
    min-width: 0;
    overflow-wrap: anywhere;
  }
  .out {
    padding-inline: 12px;
    font-size: 18px;
  }
  .verify {
    margin-top: 4px;
    font-size: 13px;
    color: light-dark(#8c4a00, #ffb870);
  }
`;

/** What the account panel needs from the box. */
export interface PanelView {
  user: UserboxUser;
  /** The menu's accessible name: "Account: <name>". */
  label: string;
  avatar: unknown;
  t: Messages;
  /** Every account signed in on this browser; undefined until an answer lists them (not in a kept view). */
  accounts: UserboxAccount[] | undefined;
  /** The box, which fires `userbox-switch` (and `userbox-error`), and its client, which switches. */
  host: HTMLElement & { readonly updateComplete: Promise<unknown>; readonly renderRoot: ParentNode; requestUpdate(): void };
  client: SessionClient;
  service: string;
  /** Where **Add another account** comes back to. */
  returnTo: string;
  menus: MenuController;
  /** Signs out the account shown (or `account`), `everywhere`, or with `all` every account of this browser. */
  signOut(everywhere: boolean, account?: UserboxAccount, all?: boolean): void;
}

/** The avatar of a listed account: its picture, else its initial (the list has no initials or colour). */
const accountAvatar = (account: UserboxAccount) => {
  const src = safeUrl(account.picture, location.protocol == 'http:');
  return src
    ? html`<img part="avatar" class="avatar" src=${src} alt="" referrerpolicy="no-referrer" />`
    : html`<span part="avatar" class="avatar" aria-hidden="true">${[...account.name][0]}</span>`;
};

const emit = (host: HTMLElement, type: string, detail: unknown) =>
  host.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));

/**
 * Shows `account` in this app (token mode, where the client is the token's only: none, the service's chooser),
 * then fires `userbox-switch` and puts focus back on the account button (the item chosen is gone).
 */
async function switchTo({ host, client, menus }: PanelView, account?: UserboxAccount): Promise<void> {
  menus.close();
  try {
    // For /userbox-host-sync.js, which hears `userbox-change` before `userbox-switch`: the user chose this
    // account, so the server follows it (see host-sync.ts). Token mode's client says so itself, for its callers too.
    if (!client.token) sessionStorage.setItem('userbox:switched', '1');
    await client.switchTo(account?.id);
    emit(host, 'userbox-switch', { user: client.last?.user ?? null });
    await host.updateComplete;
    host.renderRoot.querySelector<HTMLElement>('[part=button]')?.focus();
  } catch (error) {
    emit(host, 'userbox-error', { error: toSessionError(error) });
  }
}

/**
 * Every tab of an app follows a switch made in one of them (cookie mode keeps the choice in localStorage, whose
 * `storage` event reaches the other tabs before the view the switching tab fetched): in those tabs too the box
 * fires `userbox-switch` once it shows the account chosen, so a page (and host sync) acts as in the first tab.
 */
export function followSwitches(box: HTMLElement & { readonly service: string }): void {
  let switching = false;
  addEventListener('storage', (event) => {
    switching ||= event.key === keptAccountKey(keptViewKey(new URL(box.service).origin)) && !!event.newValue;
  });
  // On the box itself: heard before `userbox-change` bubbles on to the page's listeners.
  box.addEventListener('userbox-change', (event) => {
    if (switching) emit(box, 'userbox-switch', { user: (event as CustomEvent<{ user: UserboxUser | null }>).detail.user });
    switching = false;
  });
}

/** Where each box's "Send a new link" stands: asked and waiting, or how it went. */
const resends = new WeakMap<HTMLElement, 'sending' | ResendResult>();

/** "Send a new link" for an unverified address; the panel stays open to say how it went (a live region). */
async function resend(view: PanelView, event: Event): Promise<void> {
  event.stopPropagation();
  const { host } = view;
  if (resends.get(host) === 'sending') return;
  resends.set(host, 'sending');
  host.requestUpdate();
  resends.set(host, await resendVerification(view.service, view.t.lang, view.accounts?.find((a) => a.current)?.id));
  host.requestUpdate();
}

/** An action of the menu. */
const item = (label: string, action: () => void) =>
  html`<button part="item" role="menuitem" tabindex="-1" type="button" @click=${action}>${label}</button>`;

/**
 * The account panel: the user shown, then the menu: **Manage your account**, the browser's other accounts, each
 * to switch to and to sign out on its own, and **Add another account** (token mode: **Switch account**, the
 * chooser); then the host's items, **Sign out**, **Sign out of all devices**, and with two
 * accounts or more **Sign out of all accounts**.
 */
export function renderPanel(view: PanelView) {
  const { user, label, avatar, accounts = [], client, service, returnTo, menus, signOut } = view;
  const t = menuMessagesFor(view.t);
  const lang = `lang=${view.t.lang}`;
  // An unverified address: a line under it, and (cookie mode: the resend needs the cookie) an item after Manage.
  const unverified = user.emailVerified === false;
  const state = resends.get(view.host);
  const status = state === undefined ? t.verify : state === 'failed' ? t.resendFailed : t[state];
  const others = client.token
    ? item(t.switchAccount, () => void switchTo(view))
    : html`${accounts
          .filter((account) => !account.current)
          .map(
            (account) =>
              html`<button part="account" class="other" role="menuitem" tabindex="-1" type="button" @click=${() => void switchTo(view, account)}>
                  ${accountAvatar(account)}<span><span class="name">${account.name}</span> <span class="email">${account.email}</span></span>
                </button>
                <button
                  part="item"
                  class="out"
                  role="menuitem"
                  tabindex="-1"
                  type="button"
                  aria-label=${t.signOutOf + account.name}
                  title=${t.signOutOf + account.name}
                  @click=${() => signOut(false, account)}
                >
                  <span aria-hidden="true">×</span>
                </button>`,
          )}
        <a part="item" role="menuitem" tabindex="-1" href=${`${service}/login?add=1&return_to=${encodeURIComponent(returnTo)}&${lang}`}>${t.addAccount}</a>`;
  return html`<div class="who">
      ${avatar}
      <span class="name">${user.name}</span>
      <span class="email" dir="ltr">${user.email}</span>
      ${unverified ? html`<span part="verify" class="verify" id="verify-status" role="status">${status}</span>` : nothing}
      <slot></slot>
    </div>
    <div part="menu" id="account-menu" role="menu" aria-label=${label} @keydown=${menus.menuKeyDown} @click=${menus.menuClick}>
      <a part="item" role="menuitem" tabindex="-1" href=${`${new URL('/account', service).href}?${lang}`}>${t.manage}</a>
      ${unverified && !client.token
        ? html`<button
            part="item"
            role="menuitem"
            tabindex="-1"
            type="button"
            aria-describedby="verify-status"
            aria-disabled=${state === 'sending' ? 'true' : 'false'}
            @click=${(event: Event) => void resend(view, event)}
          >
            ${t.resend}
          </button>`
        : nothing}
      ${others}
      <slot name="menu-items"></slot>
      ${item(t.signOut, () => signOut(false))} ${item(t.signOutAll, () => signOut(true))}
      ${accounts.length > 1 ? item(t.signOutAccounts, () => signOut(false, undefined, true)) : nothing}
    </div>`;
}
