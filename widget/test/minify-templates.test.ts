import { describe, expect, it } from 'vitest';
import { minifyCss, minifyHtml } from '../vite.config.js';

describe('build-time template minification', () => {
  it('drops CSS comments and spaces the parser does not need, keeping descendant and value spaces', () => {
    const css = `
      /* why */
      :host([theme='dark']) .panel > a ,
      :host :focus-visible {
        margin: 0 4px ;
        width: calc(var(--a) + 8px);
      }
    `;
    expect(minifyCss(css)).toBe(':host([theme=dark]) .panel>a,:host :focus-visible{margin:0 4px;width:calc(var(--a) + 8px)}');
  });

  it('removes line breaks next to tags and keeps one space between attributes', () => {
    const html = `<button
        part="button"
        type="button"
      >
        text
      </button>
      <img src="x" />`;
    expect(minifyHtml(html)).toBe('<button part=button type=button>text</button><img src=x>');
  });

  it('unquotes only plain attribute values that a space or the end of the tag follows', () => {
    expect(minifyHtml('<img alt="" class="a b" src="x.png" tabindex="-1">')).toBe('<img alt class="a b" src="x.png" tabindex=-1>');
    // Before an expression (`${…}` follows this literal) or a slash, the quotes stay; ` />` goes first.
    expect(minifyHtml('<a part="item" href="x"')).toBe('<a part=item href="x"');
    expect(minifyHtml('<img src="x" />')).toBe('<img src=x>');
    expect(minifyHtml('<a title="x"/>')).toBe('<a title="x"/>');
  });
});
