/**
 * What the box needs only once a trigger is pressed, as one chunk: the menu-button pattern and the launcher's
 * items. Add code that a first paint does not need here (or as another `import()` of its own).
 */
export { MenuController } from './menu-controller.js';
export { launcherStyles, renderApps } from './launcher.js';
