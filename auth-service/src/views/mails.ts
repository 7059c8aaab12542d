import type { Mail } from '../services/mail.js';
import { html, type SafeHtml } from './html.js';
import { locales, type Locale } from './messages/index.js';

/**
 * Every mail the service sends, in the recipient's language (its words are in `messages/`, under `mail`). Each
 * renders to plain text and to HTML with the same content; names are escaped. A link keeps the mail's language on
 * the page it opens (`lang=`).
 */

const signature = 'Userbox';

function render(locale: Locale, to: string, subject: string, lines: { greeting: string; body: string; link?: string; ignore: string }): Mail {
  const link = lines.link === undefined ? undefined : `${lines.link}&lang=${locale}`;
  const text = [lines.greeting, '', lines.body, ...(link ? ['', link] : []), '', lines.ignore, '', `— ${signature}`].join('\n');
  const linkHtml: SafeHtml | string = link ? html`<p><a href="${link}" dir="ltr">${link}</a></p>` : '';
  const body = html`<!doctype html><html lang="${locale}" dir="${locales[locale].dir}"><body>
<p>${lines.greeting}</p>
<p>${lines.body}</p>
${linkHtml}
<p>${lines.ignore}</p>
<p>— ${signature}</p>
</body></html>`;
  return { to, subject, text, html: body.value };
}

/** `link` is the page's address with its `?token=`; the mail adds `&lang=`. */
export function verifyEmailMail(locale: Locale, to: string, name: string, link: string): Mail {
  const m = locales[locale].mail.verifyEmail;
  return render(locale, to, m.subject, { greeting: m.greeting(name), body: m.body, link, ignore: m.ignore });
}

export function changeEmailMail(locale: Locale, to: string, name: string, link: string): Mail {
  const m = locales[locale].mail.changeEmail;
  return render(locale, to, m.subject, { greeting: m.greeting(name), body: m.body, link, ignore: m.ignore });
}

export function emailChangeNoticeMail(locale: Locale, to: string, name: string, newEmail: string): Mail {
  const m = locales[locale].mail.emailChangeNotice;
  return render(locale, to, m.subject, { greeting: m.greeting(name), body: m.body(newEmail), ignore: m.ignore });
}

export function resetPasswordMail(locale: Locale, to: string, name: string, link: string): Mail {
  const m = locales[locale].mail.resetPassword;
  return render(locale, to, m.subject, { greeting: m.greeting(name), body: m.body, link, ignore: m.ignore });
}

export function passwordChangedMail(locale: Locale, to: string, name: string): Mail {
  const m = locales[locale].mail.passwordChanged;
  return render(locale, to, m.subject, { greeting: m.greeting(name), body: m.body, ignore: m.ignore });
}

export function goodbyeMail(locale: Locale, to: string, name: string): Mail {
  const m = locales[locale].mail.goodbye;
  return render(locale, to, m.subject, { greeting: m.greeting(name), body: m.body, ignore: m.ignore });
}
