/**
 * What the box needs only once a trigger is pressed, as one chunk, loaded after the first paint: the menu-button
 * pattern and the launcher's items. Add code that a first paint does not need here (or as another `import()`).
 */
export { MenuController } from './menu-controller.js';
export { launcherStyles, renderApps } from './launcher.js';
export { accountStyles, renderPanel, type PanelView } from './account-list.js';
