import { UserBox } from './user-box.js';

export { UserBox, type UserboxEventMap } from './user-box.js';
export type { Messages } from './messages.js';
export {
  SessionClient,
  SessionError,
  type MeResponse,
  type SessionUpdate,
  type UserboxApp,
  type UserboxUser,
} from './session-client.js';

// Two script tags (or two bundles) on one page must not throw: the first definition wins.
if (!customElements.get('user-box')) customElements.define('user-box', UserBox);
