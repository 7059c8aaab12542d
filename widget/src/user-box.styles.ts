import { css } from 'lit';

// Custom properties and ::part names here are public API: documented on the element, changed with care.
export const styles = css`
  :host {
    --_size: var(--userbox-size, 32px);
    --_accent: var(--userbox-accent, #1a73e8);
    --_bg: var(--userbox-background, #fff);
    --_fg: var(--userbox-color, #1f1f1f);
    --_muted: var(--userbox-muted-color, #5f6368);
    --_radius: var(--userbox-radius, 8px);
    display: inline-flex;
    align-items: center;
    position: relative;
    /* The box is as tall as the avatar from the first paint, so nothing below it moves when the user loads. */
    min-height: calc(var(--_size) + 8px);
    min-width: calc(var(--_size) + 8px);
    font-family: var(--userbox-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    font-size: 14px;
    color: var(--_fg);
    vertical-align: middle;
  }
  [hidden] {
    display: none !important;
  }
  .placeholder {
    display: block;
    width: var(--_size);
    height: var(--_size);
    margin: 4px;
    border-radius: 50%;
    background: color-mix(in srgb, var(--_muted) 20%, transparent);
  }
  .sign-in {
    display: inline-flex;
    align-items: center;
    height: var(--_size);
    padding: 0 16px;
    border-radius: var(--_radius);
    background: var(--_accent);
    color: #fff;
    font-weight: 500;
    text-decoration: none;
    white-space: nowrap;
  }
  .account {
    display: inline-flex;
    padding: 4px;
    border: 0;
    border-radius: 50%;
    background: transparent;
    cursor: pointer;
  }
  .account:hover {
    background: color-mix(in srgb, var(--_fg) 8%, transparent);
  }
  :focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  .avatar {
    display: inline-grid;
    place-items: center;
    width: var(--_size);
    height: var(--_size);
    border-radius: 50%;
    background: #5f6368;
    color: #fff;
    font-size: calc(var(--_size) * 0.42);
    font-weight: 500;
    object-fit: cover;
    overflow: hidden;
    user-select: none;
  }
  .avatar.large {
    --_size: 64px;
  }
  .panel {
    position: absolute;
    top: calc(100% + 4px);
    inset-inline-end: 0;
    z-index: 1000;
    box-sizing: border-box;
    width: max-content;
    min-width: 240px;
    max-width: min(340px, 100vw - 16px);
    padding: 16px 0 8px;
    border-radius: calc(var(--_radius) * 2);
    background: var(--_bg);
    color: var(--_fg);
    box-shadow: 0 4px 16px rgb(0 0 0 / 0.2);
  }
  .who {
    display: grid;
    justify-items: center;
    gap: 4px;
    padding: 0 16px 12px;
    text-align: center;
    overflow-wrap: anywhere;
  }
  .name {
    font-size: 16px;
    font-weight: 500;
  }
  .email {
    color: var(--_muted);
  }
  [role='menu'] {
    display: grid;
    border-top: 1px solid color-mix(in srgb, var(--_fg) 12%, transparent);
    padding-top: 8px;
  }
  [role='menuitem'] {
    display: block;
    padding: 10px 16px;
    border: 0;
    background: none;
    color: inherit;
    font: inherit;
    text-align: start;
    text-decoration: none;
    cursor: pointer;
  }
  [role='menuitem']:hover,
  [role='menuitem']:focus-visible {
    background: color-mix(in srgb, var(--_fg) 8%, transparent);
    outline-offset: -2px;
  }
`;
