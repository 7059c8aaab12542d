import { describe, expect, it } from 'vitest';
import { languageFor, type PageLanguage } from '../../src/views/language.js';
import { locales, type Locale } from '../../src/views/messages/index.js';
import { confirmEmailPage, emailConfirmedPage, linkRefusedPage } from '../../src/views/email-pages.js';
import { accountChooserPage, confirmSignOutPage, signedOutPage } from '../../src/views/oidc-pages.js';
import { accountDeletedPage, accountPage, errorPage, loginPage, recoveryCodesPage, secondStepPage, signupPage, twoStepSetupPage } from '../../src/views/pages.js';
import { forgotPasswordPage, passwordResetDonePage, resetPasswordPage, resetSentPage } from '../../src/views/password-reset-pages.js';
import { changeEmailMail, emailChangeNoticeMail, goodbyeMail, passwordChangedMail, resetPasswordMail, verifyEmailMail } from '../../src/views/mails.js';

// What the user wrote or the service knows, in a script of its own, so only the pages' own words are Latin.
const me = {
  user: { id: 'u1', name: 'زيد', email: 'z@x.ar', picture: null, initials: 'ز', color: '#123456', emailVerified: false },
  session: { id: 'h1', expiresAt: '2030-01-01T00:00:00.000Z' },
};
const when = '2030-01-01T10:00:00.000Z';

/** Every page the service renders, in the language `l`. */
function everyPage(l: PageLanguage): Record<string, string> {
  return {
    login: loginPage(l, { returnTo: '/', csrf: 'c', error: l.m.errors.INVALID_CREDENTIALS }),
    add: loginPage(l, { returnTo: '/', csrf: 'c', add: true }),
    secondStep: secondStepPage(l, { returnTo: '/', csrf: 'c', error: l.m.errors.INVALID_CODE }),
    signup: signupPage(l, { returnTo: '/', csrf: 'c' }),
    account: accountPage(l, {
      me,
      accounts: [
        { handle: 'h1', name: 'زيد', email: 'z@x.ar', current: true },
        { handle: 'h2', name: 'عمرو', email: 'a@x.ar', current: false },
      ],
      addHref: '/login?add=1',
      sessions: [{ id: 's1', current: true, device: 'ع', ip: '', place: null, createdAt: when, lastSeenAt: when, expiresAt: when }],
      twoStep: { enabled: true, recoveryCodesLeft: 7 },
      passkeys: [
        { id: 'p1', name: 'هاتف', createdAt: when, lastUsedAt: null, synced: true },
        { id: 'p2', name: 'حاسوب', createdAt: when, lastUsedAt: when, synced: false },
      ],
      hasPassword: true,
      csrf: 'c',
      done: 'password',
      error: { form: 'email', message: l.m.errors.EMAIL_TAKEN },
    }),
    passwordless: accountPage(l, {
      me: { ...me, user: { ...me.user, emailVerified: true } },
      accounts: [],
      addHref: '/login?add=1',
      sessions: [],
      twoStep: { enabled: false, recoveryCodesLeft: 0 },
      passkeys: [],
      hasPassword: false,
      csrf: 'c',
    }),
    deleted: accountDeletedPage(l),
    twoStepSetup: twoStepSetupPage(l, { enrolment: { secret: '', otpauthUri: '' }, qrSvg: '<svg></svg>', account: 'h1', csrf: 'c' }),
    recoveryCodes: recoveryCodesPage(l, { codes: ['١٢٣'], turnedOn: true, account: 'h1' }),
    confirmEmail: confirmEmailPage(l, { email: 'z@x.ar', token: 't', csrf: 'c' }),
    emailConfirmed: emailConfirmedPage(l, 'z@x.ar'),
    linkRefused: linkRefusedPage(l, l.m.errors.LINK_USED),
    forgot: forgotPasswordPage(l, { csrf: 'c' }),
    sent: resetSentPage(l),
    reset: resetPasswordPage(l, { csrf: 'c', token: 't', email: 'z@x.ar', error: l.m.errors.WEAK_PASSWORD }),
    resetDone: passwordResetDonePage(l),
    signedOut: signedOutPage(l),
    confirmSignOut: confirmSignOutPage(l, { client_id: 'news' }, 'أخبار'),
    confirmSignOutUnknown: confirmSignOutPage(l, {}, undefined),
    chooser: accountChooserPage(l, { appName: 'أخبار', accounts: [{ name: 'زيد', email: 'z@x.ar', href: '/authorize' }], another: '/login' }),
    notFound: errorPage(l, 404, l.m.errors.NOT_FOUND),
    error: errorPage(l, 500, l.m.errors.INTERNAL),
  };
}

/** The text a person reads or hears: the text between tags, and the labels and placeholders in attributes. */
function readable(page: string): string {
  const attributes = [...page.matchAll(/(?:aria-label|placeholder|title)="([^"]*)"/g)].map((m) => m[1]);
  const body = page.replace(/<head>[\s\S]*<\/head>/, '').replace(/<[^>]*>/g, ' ');
  return [body, ...attributes].join(' ');
}

// Latin words an Arabic page may contain: the product's name and technical names a user types or sees as such.
const allowedLatin = new Set(['Userbox', 'QR', 'JSON', 'URL', 'https', 'UTC']);

describe('every page in each language', () => {
  it.each(['en', 'de', 'ar'] as Locale[])('renders every page in %s with <html lang dir> and its own title', (locale) => {
    const l = languageFor(locale, true);
    for (const [name, page] of Object.entries(everyPage(l))) {
      expect(page, name).toMatch(new RegExp(`^<!doctype html>\\n<html lang="${locale}" dir="${locales[locale].dir}">`));
      expect(page, name).not.toMatch(/\sstyle=|<script(?![^>]*\bsrc=)/);
    }
  });

  it('leaves no English in the Arabic pages: every word a person reads there is Arabic', () => {
    for (const [name, page] of Object.entries(everyPage(languageFor('ar', true)))) {
      const latin = (readable(page).match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !allowedLatin.has(w) && !/^(z|x|ar|a)$/.test(w));
      expect(latin, name).toEqual([]);
    }
  });

  it('carries a named language on in every form and link of the page, and nothing when it was not named', () => {
    const named = everyPage(languageFor('de', true));
    for (const [name, page] of Object.entries(named)) {
      const forms = page.match(/<form method="post"[\s\S]*?<\/form>/g) ?? [];
      for (const form of forms) expect(form, name).toContain('<input type="hidden" name="lang" value="de">');
      for (const [, href] of page.matchAll(/<a [^>]*href="(\/[^"]*)"/g)) {
        if (href!.startsWith('/api/') || href === '/authorize' || href === '/login' /* the chooser's, given */) continue;
        expect(href, name).toMatch(/[?&](amp;)?lang=de$/);
      }
    }
    for (const page of Object.values(everyPage(languageFor('de', false)))) expect(page).not.toMatch(/lang=de|name="lang"/);
  });
});

describe('every mail in each language', () => {
  const mails = (locale: Locale) => [
    verifyEmailMail(locale, 'z@x.ar', '<زيد>', 'https://a.test/verify-email?token=t'),
    changeEmailMail(locale, 'z@x.ar', '<زيد>', 'https://a.test/verify-email?token=t'),
    emailChangeNoticeMail(locale, 'z@x.ar', '<زيد>', 'n@x.ar'),
    resetPasswordMail(locale, 'z@x.ar', '<زيد>', 'https://a.test/reset-password?token=t'),
    passwordChangedMail(locale, 'z@x.ar', '<زيد>'),
    goodbyeMail(locale, 'z@x.ar', '<زيد>'),
  ];

  it.each(['en', 'de', 'ar'] as Locale[])('writes the subject, text and html in %s, the name escaped in the html', (locale) => {
    const m = locales[locale].mail;
    const subjects = [m.verifyEmail, m.changeEmail, m.emailChangeNotice, m.resetPassword, m.passwordChanged, m.goodbye].map((x) => x.subject);
    for (const [i, mail] of mails(locale).entries()) {
      expect(mail.subject).toBe(subjects[i]);
      expect(mail.html).toContain(`<html lang="${locale}" dir="${locales[locale].dir}">`);
      expect(mail.html).toContain('&lt;زيد&gt;');
      expect(mail.html).not.toContain('<زيد>');
      expect(mail.text).toContain('<زيد>');
      if (mail.text.includes('token=t')) expect(mail.text).toContain(`token=t&lang=${locale}`);
    }
  });

  it('leaves no English in the Arabic mails but the product name and the links', () => {
    for (const mail of mails('ar')) {
      const words = `${mail.subject} ${mail.text.replace(/https:\/\/\S+/g, '')}`.match(/[A-Za-z]{2,}/g) ?? [];
      expect(words.filter((w) => w !== 'Userbox' && !/^(z|x|ar|n)$/.test(w))).toEqual([]);
    }
  });
});
