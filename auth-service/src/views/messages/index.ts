import { ar } from './ar.js';
import { de } from './de.js';
import { en, type Messages } from './en.js';

export type { Messages, ShownErrorCode } from './en.js';

/** The languages of the service's pages and mails: the box's own (widget/src/messages.ts). */
export type Locale = Messages['locale'];

export const locales: Readonly<Record<Locale, Messages>> = { en, de, ar };

export const defaultLocale: Locale = 'en';

/** The supported locale of a BCP 47 tag such as `de-AT` (by its language), or undefined. */
export function supportedLocale(tag: unknown): Locale | undefined {
  if (typeof tag !== 'string') return undefined;
  const language = tag.trim().split('-')[0]!.toLowerCase();
  return Object.hasOwn(locales, language) ? (language as Locale) : undefined;
}

/**
 * The page's language: `lang` (the box passes its own, a form carries it on) wins, then the best of
 * `Accept-Language` by q-value (ties in the header's order; `q=0` means "not this one"), then English.
 */
export function negotiateLocale(lang: unknown, acceptLanguage: string | undefined): Locale {
  const asked = supportedLocale(lang);
  if (asked) return asked;
  let best: { locale: Locale; q: number } | undefined;
  for (const part of (acceptLanguage ?? '').split(',').slice(0, 20)) {
    const [tag = '', ...params] = part.split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    const locale = supportedLocale(tag);
    if (locale && Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { locale, q };
  }
  return best?.locale ?? defaultLocale;
}
