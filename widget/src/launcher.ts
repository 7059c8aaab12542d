import { html, nothing } from 'lit';
import { safeUrl } from './safe-url.js';
import type { UserboxApp } from './session-client.js';
import { css } from './user-box.styles.js';

/** The launcher's own styles, adopted by the box's shadow root when this chunk loads (before it opens). */
export const launcherStyles = css`
  #apps-menu {
    grid-template-columns: repeat(3, 88px);
  }
  [part='app'] {
    flex-direction: column;
    padding: 12px 4px;
    text-align: center;
  }
  [aria-current] {
    color: var(--_accent);
    font-weight: 600;
  }
  .icon {
    display: grid;
    place-items: center;
    width: 40px;
    height: 40px;
    border-radius: var(--_radius);
    background: var(--_tint);
    font-size: 20px;
    object-fit: contain;
  }
  .label {
    max-width: 100%;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
`;

/** The launcher's items: each app with a safe link, its icon or its initial, the current app marked. */
export function renderApps(apps: UserboxApp[]) {
  const pageIsHttp = location.protocol == 'http:';
  return apps.map((app) => {
    const href = safeUrl(app.url, pageIsHttp);
    if (!href) return nothing;
    const icon = safeUrl(app.icon, pageIsHttp, true);
    const current = new URL(href).origin === location.origin;
    return html`<a part="app" role="menuitem" tabindex="-1" href=${href} aria-current=${current || nothing}>
      ${icon
        ? html`<img part="app-icon" class="icon" src=${icon} alt="" />`
        : html`<span part="app-icon" class="icon" aria-hidden="true">${app.name[0]}</span>`}
      <span class="label">${app.name}</span>
    </a>`;
  });
}
