import type { ReactiveController, ReactiveControllerHost } from 'lit';

export type Popup = 'account' | 'apps';

export type MenuHost = ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment };

/**
 * Part of the `menus` chunk, loaded after the first paint (which does not need it).
 *
 * The WAI-ARIA menu-button pattern for the box's two popups, the account menu and the app launcher. On the
 * trigger (a native button: Enter and Space click it) a click opens on the first item, ArrowDown too, ArrowUp
 * on the last. In the menu the arrows move and wrap (Left/Right as well, mirrored right-to-left, for the
 * launcher's grid), Home/End jump, Escape closes and refocuses the trigger, Tab closes as focus leaves, and a
 * pointer down outside the box closes. Items are the menu's `[role=menuitem]` children, slotted ones included.
 *
 * The host renders `#<popup>-menu` elements and triggers with `part` `launcher` (apps) and `button` (account),
 * and reads `open` in render.
 */
export class MenuController implements ReactiveController {
  /** The popup shown, if any: one at a time. */
  open: Popup | undefined;
  readonly #host: MenuHost;
  readonly #beforeOpen: (popup: Popup) => Promise<void>;

  constructor(host: MenuHost, beforeOpen: (popup: Popup) => Promise<void>) {
    this.#host = host;
    this.#beforeOpen = beforeOpen;
    host.addController(this);
  }

  hostDisconnected(): void {
    this.close();
  }

  /** Opens `popup` and focuses its item at index `at` (0 the first, -1 the last). */
  async show(popup: Popup, at: 0 | -1 = 0): Promise<void> {
    await this.#beforeOpen(popup);
    this.#set(popup);
    await this.#host.updateComplete;
    this.#items().at(at)?.focus();
  }

  close(returnFocus?: boolean): void {
    if (!this.open) return;
    if (returnFocus) this.#host.renderRoot.querySelector<HTMLElement>(`[part=${this.open === 'apps' ? 'launcher' : 'button'}]`)?.focus();
    this.#set(undefined);
  }

  /** The trigger's click (which Enter and Space make too) toggles; its arrow keys open, Escape closes. */
  trigger(event: Event, popup: Popup): void {
    const key = (event as KeyboardEvent).key;
    if (event.type === 'click') {
      if (this.open === popup) this.close();
      else void this.show(popup);
    } else if (key === 'ArrowDown' || key === 'ArrowUp') {
      event.preventDefault();
      void this.show(popup, key === 'ArrowDown' ? 0 : -1);
    } else if (key === 'Escape') {
      this.close(true);
    }
  }

  // Arrow functions: Lit calls template listeners with the host as `this`.
  readonly menuKeyDown = (event: KeyboardEvent): void => {
    const items = this.#items();
    const index = items.indexOf(event.target as HTMLElement);
    const rtl = this.#host.matches(':dir(rtl)');
    const steps: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 };
    const to =
      event.key in steps ? index + steps[event.key]! : event.key === 'Home' ? 0 : event.key === 'End' ? -1 : undefined;
    if (to !== undefined) {
      event.preventDefault();
      items.at(to % items.length)?.focus();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      this.close(true);
    } else if (event.key === 'Tab') {
      // Focus leaves as usual; the menu closes behind it.
      this.close();
    } else if (event.key === ' ' && event.target instanceof HTMLAnchorElement) {
      // Space activates links too, as it does buttons.
      event.preventDefault();
      event.target.click();
    }
  };

  readonly menuClick = (event: Event): void => {
    if ((event.target as Element).closest('[role=menuitem]')) this.close();
  };

  #set(popup: Popup | undefined): void {
    this.open = popup;
    // Listen for a pointer down outside only while a popup is open.
    document[popup ? 'addEventListener' : 'removeEventListener']('pointerdown', this.#onDocumentPointerDown);
    this.#host.requestUpdate();
  }

  /**
   * The open menu's items in order, slotted ones included, which join the menu here (asked at every open and
   * key press): the role and roving focus of the built-in ones.
   */
  #items(): HTMLElement[] {
    const menu = this.#host.renderRoot.querySelector(`#${this.open}-menu`);
    return [...(menu?.children ?? [])].flatMap((el) => {
      if (!(el instanceof HTMLSlotElement)) return [el as HTMLElement];
      const slotted = el.assignedElements() as HTMLElement[];
      for (const item of slotted) {
        if (!item.hasAttribute('role')) item.setAttribute('role', 'menuitem');
        item.tabIndex = -1;
      }
      return slotted;
    });
  }

  readonly #onDocumentPointerDown = (event: Event): void => {
    if (!event.composedPath().includes(this.#host)) this.close();
  };
}
