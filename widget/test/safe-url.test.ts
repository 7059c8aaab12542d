import { describe, expect, it } from 'vitest';
import { messages, messagesFor } from '../src/messages.js';
import { safeUrl } from '../src/safe-url.js';

describe('safeUrl', () => {
  it('accepts https anywhere, and plain http only on a plain-http page (development)', () => {
    expect(safeUrl('https://cdn.test/a.png', false)).toBe('https://cdn.test/a.png');
    expect(safeUrl('https://cdn.test/a.png', true)).toBe('https://cdn.test/a.png');
    expect(safeUrl('http://localhost:4002/', true)).toBe('http://localhost:4002/');
    expect(safeUrl('http://localhost:4002/', false)).toBeUndefined();
    expect(safeUrl('http://evil.test/a.png', false)).toBeUndefined();
  });

  it('refuses script, other schemes, relative and non-string values', () => {
    for (const url of ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,<script>1</script>', 'vbscript:x', 'file:///etc/passwd', '/relative', '', null, 42, { href: 'https://x.test' }]) {
      for (const pageIsHttp of [false, true]) {
        expect(safeUrl(url, pageIsHttp), String(url)).toBeUndefined();
        expect(safeUrl(url, pageIsHttp, true), String(url)).toBeUndefined();
      }
    }
  });

  it('takes SVG data URLs as images only', () => {
    const svg = 'data:image/svg+xml,%3Csvg xmlns="http://www.w3.org/2000/svg"/%3E';
    expect(safeUrl(svg, false, true)).toBe(svg);
    expect(safeUrl(svg, false)).toBeUndefined();
    expect(safeUrl('data:image/png;base64,AAAA', false, true)).toBeUndefined();
  });
});

describe('messagesFor', () => {
  it('picks the table by language, English otherwise', () => {
    expect(messagesFor('de-AT').signIn).toBe('Anmelden');
    expect(messagesFor('AR').signIn).toBe('تسجيل الدخول');
    expect(messagesFor('fr').signIn).toBe('Sign in');
    expect(messagesFor('').signIn).toBe('Sign in');
    expect(messagesFor(null).signIn).toBe('Sign in');
  });

  it('has every text in every locale', () => {
    const keys = Object.keys(messages['en']!).sort();
    for (const table of Object.values(messages)) {
      expect(Object.keys(table).sort()).toEqual(keys);
      expect(Object.values(table).every((text) => text.length > 0)).toBe(true);
    }
  });
});
