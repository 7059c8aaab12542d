import type { Request } from 'express';
import type { AppError } from '../errors.js';
import { html, type SafeHtml } from './html.js';
import { locales, negotiateLocale, supportedLocale, type Locale, type Messages, type ShownErrorCode } from './messages/index.js';

/** The language a page is rendered in, and how the flow keeps it (links, forms, redirects). */
export interface PageLanguage {
  locale: Locale;
  m: Messages;
  /**
   * Whether the request named its language (`?lang=`, or the `lang` field of a form): then every link, form and
   * redirect of the flow carries it on. Otherwise the browser's `Accept-Language` decides again on the next page.
   */
  named: boolean;
  /** `path` (with or without a query) with `lang=` added when the language travels. */
  href(path: string): string;
  /** The hidden `lang` field of a form when the language travels, else nothing. */
  field: SafeHtml | '';
  /** An error's message in this language: its code's translation; English keeps the thrower's own detail. */
  error(e: AppError): string;
}

/** The first supported language of OpenID Connect's `ui_locales` (space-separated tags, preferred first). */
export function uiLocale(uiLocales: unknown): Locale | undefined {
  if (typeof uiLocales !== 'string') return undefined;
  return uiLocales.split(' ').slice(0, 10).map(supportedLocale).find((l) => l !== undefined);
}

function namedLang(req: Pick<Request, 'query' | 'body'>): unknown {
  const body: unknown = req.body;
  const fromForm = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['lang'] : undefined;
  return req.query['lang'] ?? fromForm ?? uiLocale(req.query['ui_locales']);
}

export function languageFor(locale: Locale, named: boolean): PageLanguage {
  const m = locales[locale];
  return {
    locale,
    m,
    named,
    href: (path) => (named ? `${path}${path.includes('?') ? '&' : '?'}lang=${locale}` : path),
    field: named ? html`<input type="hidden" name="lang" value="${locale}">` : '',
    error: (e) => (locale === 'en' ? e.shownMessage : (m.errors[e.code as ShownErrorCode] ?? e.shownMessage)),
  };
}

/** The language of a request: `?lang=` or a form's `lang`, else `Accept-Language`, else English. */
export function requestLocale(req: Pick<Request, 'query' | 'body' | 'headers'>): Locale {
  return negotiateLocale(namedLang(req), req.headers['accept-language']);
}

/** The page language of a request (see `requestLocale`); a supported `lang` it names travels on through the flow. */
export function pageLanguage(req: Pick<Request, 'query' | 'body' | 'headers'>): PageLanguage {
  return languageFor(requestLocale(req), supportedLocale(namedLang(req)) !== undefined);
}
