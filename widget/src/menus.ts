/**
 * What the box needs only once a trigger is pressed, as one chunk, loaded after the first paint: the menu-button
 * pattern and the launcher's items. Add code that a first paint does not need here (or as another `import()`).
 */
import { followSwitches } from './account-list.js';
import { MenuController as Menus, type MenuHost, type Popup } from './menu-controller.js';

export { launcherStyles, renderApps } from './launcher.js';
export { accountStyles, renderPanel, type PanelView } from './account-list.js';

/** The box's two menus; and from when they are there, the box follows account switches made in other tabs. */
export class MenuController extends Menus {
  constructor(host: MenuHost & { readonly service: string }, beforeOpen: (popup: Popup) => Promise<void>) {
    super(host, beforeOpen);
    followSwitches(host);
  }
}
