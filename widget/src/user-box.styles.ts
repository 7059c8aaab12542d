import { type CSSResult, unsafeCSS } from 'lit';

// A css`` tag for text without ${…}, the only kind these styles are: the same CSSResult as Lit's tag makes, through
// unsafeCSS, which Lit's fallback for browsers without adopted stylesheets needs anyway. Lit's own tag adds a check
// of the values put into the text, 150 bytes gzip of the 10 KB budget for values these styles never have; the type
// refuses any. (The name is what the build's template minifier looks for.)
export const css: (strings: TemplateStringsArray, ...values: never[]) => CSSResult = ([text]) => unsafeCSS(text);

// Custom properties and ::part names here are public API: documented on the element, changed with care.
// Colours are light-dark() pairs: the theme attribute only sets color-scheme, so dark mode costs no second rule set.
export const styles = css`
  :host {
    --_size: var(--userbox-size, 32px);
    --_accent: var(--userbox-accent, light-dark(#0b57d0, #a8c7fa));
    --_fg: var(--userbox-color, light-dark(#1f1f1f, #e3e3e3));
    --_tint: color-mix(in srgb, var(--_fg) 10%, transparent);
    --_radius: var(--userbox-radius, 8px);
    color-scheme: light;
    display: inline-flex;
    align-items: center;
    gap: 4px;
    position: relative;
    vertical-align: middle;
    /* As tall as a button from the first paint, so nothing below moves when the user loads. */
    min-height: calc(var(--_size) + 8px);
    font: 14px/1.4 var(--userbox-font, system-ui, sans-serif);
    color: var(--_fg);
  }
  :host([theme='dark']) {
    color-scheme: dark;
  }
  :host([theme='auto']) {
    color-scheme: light dark;
  }
  :focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  .trigger {
    display: inline-grid;
    place-items: center;
    padding: 4px;
    border: 0;
    border-radius: 50%;
    background: none;
    color: inherit;
    cursor: pointer;
  }
  .trigger:hover,
  .trigger[aria-expanded='true'],
  [role='menuitem']:hover,
  [role='menuitem']:focus,
  ::slotted([role='menuitem']:hover),
  ::slotted([role='menuitem']:focus) {
    background: var(--_tint);
  }
  .grid {
    width: var(--_size);
    height: var(--_size);
    fill: none;
    stroke: currentColor;
    stroke-width: 3.5;
    stroke-linecap: round;
  }
  .avatar {
    display: inline-grid;
    place-items: center;
    width: var(--_size);
    height: var(--_size);
    border-radius: 50%;
    /* Darkened a fifth: white initials then meet 4.5:1 on every colour the service picks (hsl(h 55% 36%)). */
    background: color-mix(in srgb, var(--_color, #5f6368) 80%, #000);
    color: #fff;
    font-size: calc(var(--_size) * 0.42);
    font-weight: 500;
    object-fit: cover;
  }
  .placeholder {
    margin: 4px;
    background: var(--_tint);
  }
  .sign-in {
    display: inline-grid;
    place-items: center;
    height: var(--_size);
    padding: 0 16px;
    border-radius: var(--_radius);
    background: var(--_accent);
    color: var(--userbox-on-accent, light-dark(#fff, #062e6f));
    font-weight: 500;
    text-decoration: none;
    white-space: nowrap;
  }
  .panel {
    position: absolute;
    top: calc(100% + 4px);
    inset-inline-end: 0;
    z-index: 1000;
    padding: 8px;
    border-radius: calc(var(--_radius) * 2);
    background: var(--userbox-background, light-dark(#fff, #1f1f1f));
    color: var(--_fg);
    box-shadow: 0 4px 16px rgb(0 0 0 / 0.25);
  }
  [role='menu'] {
    display: grid;
  }
  [role='menuitem'],
  ::slotted([role='menuitem']) {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 10px 16px;
    border: 0;
    border-radius: var(--_radius);
    background: none;
    color: inherit;
    font: inherit;
    text-align: start;
    text-decoration: none;
    cursor: pointer;
    outline-offset: -2px;
  }
`;
