import { UserBox } from './user-box.js';

export { UserBox, type UserboxEventMap } from './user-box.js';
export type { Messages } from './messages.js';
export type { MenuMessages } from './menu-messages.js';
// Types only: token mode's errors come from its own module (the service's /userbox-token.js), so `instanceof
// SessionError` could not be relied on; check `error.name === 'SessionError'` and `error.status`.
export type {
  SessionClient,
  SessionError,
  MeResponse,
  SessionUpdate,
  UserboxApp,
  UserboxUser,
} from './session-client.js';

// Two script tags (or two bundles) on one page must not throw: the first definition wins.
if (!customElements.get('user-box')) customElements.define('user-box', UserBox);
