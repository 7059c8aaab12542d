import { UserBox } from './user-box.js';

export { UserBox } from './user-box.js';
export { SessionClient, SessionError, type MeResponse, type UserboxUser } from './session-client.js';

// Two script tags (or two bundles) on one page must not throw: the first definition wins.
if (!customElements.get('user-box')) customElements.define('user-box', UserBox);
