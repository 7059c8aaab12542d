import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { locales, negotiateLocale, type Locale } from '../../src/views/messages/index.js';
import { createTestApp, type TestApp } from '../test-app.js';
import { authorizeQuery, createOidcTestApp } from '../oidc/oidc-test-app.js';
import { linkIn, startSmtpServer, type SmtpTestServer } from '../mail/smtp-test-server.js';

const all: Locale[] = ['en', 'de', 'ar'];
const dirOf = { en: 'ltr', de: 'ltr', ar: 'rtl' } as const;

describe('choosing the language', () => {
  it('takes ?lang= over Accept-Language, by its language only (de-AT is German)', () => {
    expect(negotiateLocale('ar', 'de-DE,de;q=0.9')).toBe('ar');
    expect(negotiateLocale('de-AT', 'en')).toBe('de');
    expect(negotiateLocale('DE', undefined)).toBe('de');
  });

  it('takes the best Accept-Language by q-value, skipping q=0 and languages it does not speak', () => {
    expect(negotiateLocale(undefined, 'fr-FR,fr;q=0.9,ar;q=0.5,de;q=0.8')).toBe('de');
    expect(negotiateLocale(undefined, 'de;q=0.2, ar-EG;q=0.7')).toBe('ar');
    expect(negotiateLocale(undefined, 'de;q=0, en;q=0.1')).toBe('en');
    expect(negotiateLocale(undefined, 'ar, de')).toBe('ar');
  });

  it('answers English for an unknown ?lang=, an unknown or malformed header, or none', () => {
    expect(negotiateLocale('fr', undefined)).toBe('en');
    expect(negotiateLocale('xx', 'ja')).toBe('en');
    expect(negotiateLocale(['de', 'ar'], ';;,q=,de;q=abc')).toBe('en');
    expect(negotiateLocale(undefined, undefined)).toBe('en');
    // An unknown ?lang= falls through to the header, not straight to English.
    expect(negotiateLocale('fr', 'de')).toBe('de');
  });
});

/** Every key path of a messages table, with the arity of each function. */
function shape(value: unknown, path = ''): string[] {
  if (typeof value === 'function') return [`${path}(${value.length})`];
  if (typeof value !== 'object' || value === null) return [`${path}:${typeof value}`];
  return Object.entries(value).flatMap(([key, inner]) => shape(inner, `${path}.${key}`));
}

describe('the messages tables', () => {
  it('have the same keys, each a text or a function of the same arguments, and no empty text', () => {
    const english = shape(locales.en).sort();
    for (const locale of all) {
      expect(shape(locales[locale]).sort(), locale).toEqual(english);
      const texts = JSON.stringify(locales[locale]);
      expect(texts, locale).not.toContain('""');
    }
  });

  it('name their own locale and direction', () => {
    for (const locale of all) expect([locales[locale].locale, locales[locale].dir]).toEqual([locale, dirOf[locale]]);
  });
});

/** `<html lang dir>` of a page, and its first heading. */
function frame(text: string): { lang?: string; dir?: string; h1?: string } {
  const [, lang, dir] = /<html lang="([^"]*)" dir="([^"]*)">/.exec(text) ?? [];
  const h1 = /<h1>([^<]*)<\/h1>/.exec(text)?.[1];
  return { lang, dir, h1 };
}

const unescape = (s: string) => s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');

describe('every page in each language', () => {
  let t: TestApp;

  it.each(all)('renders the sign-in flow, the account page, the link and error pages in %s, with lang and dir', async (locale) => {
    t = await createTestApp();
    const m = locales[locale];
    const expectPage = async (path: string, status: number, h1: string) => {
      const res = await t.agent.get(path).expect(status);
      expect(frame(res.text), path).toEqual({ lang: locale, dir: m.dir, h1 });
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
      expect(res.text).not.toMatch(/\sstyle=/);
      return res.text;
    };
    const login = await expectPage(`/login?lang=${locale}`, 200, m.login.title);
    // The language travels on: the form posts it back, and the links carry it.
    expect(login).toContain(`<input type="hidden" name="lang" value="${locale}">`);
    expect(login).toContain(`href="/forgot-password?lang=${locale}"`);
    await expectPage(`/login?add=1&lang=${locale}`, 200, m.login.addTitle);
    await expectPage(`/signup?lang=${locale}`, 200, m.signup.title);
    await expectPage(`/forgot-password?lang=${locale}`, 200, m.reset.forgotTitle);
    const refused = await expectPage(`/reset-password?token=nonsense&lang=${locale}`, 400, m.verifyEmail.refusedTitle);
    expect(unescape(refused)).toContain(m.errors.LINK_INVALID);
    await expectPage(`/verify-email?token=nonsense&lang=${locale}`, 400, m.verifyEmail.refusedTitle);
    const notFound = await t.agent.get(`/no-such-page?lang=${locale}`).set('Accept', 'text/html').expect(404);
    expect(frame(notFound.text)).toEqual({ lang: locale, dir: m.dir, h1: m.error.notFound });

    const user = await t.createUser({ name: 'Ada Lovelace' });
    await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const account = await expectPage(`/account?lang=${locale}`, 200, m.account.title);
    expect(account).toContain(`<h2 id="verify-heading">${m.account.verify.heading}</h2>`);
    expect(account).toContain(m.account.delete.button);
  });

  it('follows Accept-Language when there is no ?lang=, and then does not add lang= to links', async () => {
    t = await createTestApp();
    const res = await t.agent.get('/login').set('Accept-Language', 'fr;q=0.9, ar;q=0.8, de;q=0.3').expect(200);
    expect(frame(res.text)).toEqual({ lang: 'ar', dir: 'rtl', h1: locales.ar.login.title });
    expect(res.text).not.toContain('name="lang"');
    expect(res.text).toContain('href="/forgot-password"');
    const english = await t.agent.get('/login').set('Accept-Language', 'fr, ja').expect(200);
    expect(frame(english.text)).toEqual({ lang: 'en', dir: 'ltr', h1: 'Sign in' });
  });

  it('keeps the language across a posted form: a wrong password is refused in Arabic, a sign-in redirect keeps it', async () => {
    t = await createTestApp();
    const user = await t.createUser();
    const csrf = await t.formToken('/login?lang=ar');
    const wrong = await t.agent.post('/login').type('form').send({ csrf, lang: 'ar', email: user.email, password: 'not the password', return_to: '' }).expect(401);
    expect(frame(wrong.text)).toMatchObject({ lang: 'ar', dir: 'rtl' });
    expect(wrong.text).toContain(`<p class="error" role="alert" id="login-error">${locales.ar.errors.INVALID_CREDENTIALS}</p>`);
    // A page that needs a signed-in browser sends it to sign in, in the same language.
    const away = await supertest(t.app).get('/account?lang=de').expect(303);
    expect(away.headers.location).toMatch(/^\/login\?return_to=[^&]+&lang=de$/);
    // The account page's forms post it back, and their redirect keeps it.
    await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const page = await t.agent.get('/account?lang=de').expect(200);
    const token = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const saved = await t.agent.post('/account/profile').type('form').send({ csrf: token, lang: 'de', name: 'Ada Neu', picture: '' }).expect(303);
    expect(saved.headers.location).toMatch(/&done=profile&lang=de$/);
    expect((await t.agent.get(saved.headers.location!).expect(200)).text).toContain(locales.de.account.done.profile);
    // Signing out lands on the sign-in page in the same language.
    const out = await t.agent.post('/logout').type('form').send({ csrf: token, lang: 'de' }).expect(303);
    expect(out.headers.location).toBe(`${t.publicUrl}/login?lang=de`);
  });

  it('answers a form it refuses (no CSRF token) with an error page in the form\'s language', async () => {
    t = await createTestApp();
    const res = await t.agent.post('/login').type('form').set('Accept', 'text/html').send({ lang: 'ar', email: 'a@example.test', password: 'x' }).expect(403);
    expect(frame(res.text)).toEqual({ lang: 'ar', dir: 'rtl', h1: locales.ar.error.failed });
    expect(res.text).toContain(locales.ar.errors.INVALID_FORM_TOKEN);
  });

  it('shows the account chooser (prompt=select_account) in the language of ui_locales or Accept-Language', async () => {
    const o = await createOidcTestApp();
    const agent = supertest.agent(o.app).set('Origin', o.publicUrl);
    for (const name of ['Ada A', 'Bob B']) {
      const user = await o.createUser({ name });
      await agent.post('/api/session').send({ email: user.email, password: user.password, add: name !== 'Ada A' }).expect(200);
    }
    const ar = await agent.get('/authorize').query(authorizeQuery({ extra: { prompt: 'select_account', ui_locales: 'fr ar' } })).expect(200);
    expect(frame(ar.text)).toEqual({ lang: 'ar', dir: 'rtl', h1: locales.ar.provider.chooserTitle });
    expect(ar.text).toContain(locales.ar.provider.chooserPurpose('News'));
    const de = await agent.get('/authorize').query(authorizeQuery({ extra: { prompt: 'select_account' } })).set('Accept-Language', 'de-CH').expect(200);
    expect(frame(de.text)).toEqual({ lang: 'de', dir: 'ltr', h1: locales.de.provider.chooserTitle });
  });

  it('sends a signed-out browser from /authorize to the sign-in page in the language of ui_locales', async () => {
    const o = await createOidcTestApp();
    const res = await supertest(o.app).get('/authorize').query(authorizeQuery({ extra: { ui_locales: 'de-DE en' } })).expect(303);
    expect(new URL(res.headers.location!).searchParams.get('lang')).toBe('de');
  });
});

describe('mails in German and Arabic, through SMTP', () => {
  const servers: SmtpTestServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  async function withSmtp() {
    const server = await startSmtpServer();
    servers.push(server);
    return { server, t: await createTestApp({ env: { SMTP_URL: server.url } }) };
  }

  it('mails the sign-up link in German after a sign-up on the German page, the link keeping German', async () => {
    const { server, t } = await withSmtp();
    const csrf = await t.formToken('/signup?lang=de');
    await t.agent
      .post('/signup')
      .type('form')
      .send({ csrf, lang: 'de', name: 'Grete <i>Müller</i>', email: 'grete@example.test', password: 'a long enough password', return_to: '' })
      .expect(303);
    await t.runJobs();
    const mail = await server.waitForMail('grete@example.test', locales.de.mail.verifyEmail.subject);
    expect(mail.text).toContain('Hallo Grete <i>Müller</i>,');
    expect(mail.text).toContain(locales.de.mail.verifyEmail.body);
    const link = linkIn(mail.text, t.publicUrl);
    expect(link).toMatch(/\/verify-email\?token=[A-Za-z0-9_-]{43}&lang=de$/);
    expect(mail.html).toContain('<html lang="de" dir="ltr">');
    expect(mail.html).toContain('Hallo Grete &lt;i&gt;Müller&lt;/i&gt;,');
    // The page the link opens is German.
    const page = await t.agent.get(link.slice(t.publicUrl.length)).expect(200);
    expect(frame(page.text)).toMatchObject({ lang: 'de', h1: locales.de.verifyEmail.confirmTitle });
  });

  it('mails in Arabic, right to left, what the API was asked for with ?lang=ar: a new link, a reset, the password notice', async () => {
    const { server, t } = await withSmtp();
    const user = await t.createUser({ name: 'ليلى' });
    await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    await t.agent.post('/api/me/email/verification?lang=ar').send({}).expect(204);
    await t.agent.post('/api/password-reset').set('Accept-Language', 'ar-EG, en;q=0.5').send({ email: user.email }).expect(202);
    await t.runJobs();
    await t.runJobs();
    const verify = await server.waitForMail(user.email, locales.ar.mail.verifyEmail.subject);
    expect(verify.text).toContain('مرحبًا ليلى،');
    expect(linkIn(verify.text, t.publicUrl)).toMatch(/&lang=ar$/);
    expect(verify.html).toContain('<html lang="ar" dir="rtl">');
    const reset = await server.waitForMail(user.email, locales.ar.mail.resetPassword.subject);
    const link = linkIn(reset.text, t.publicUrl);
    expect(link).toMatch(/\/reset-password\?token=[A-Za-z0-9_-]{43}&lang=ar$/);
    const choose = await t.agent.get(link.slice(t.publicUrl.length)).expect(200);
    expect(frame(choose.text)).toEqual({ lang: 'ar', dir: 'rtl', h1: locales.ar.reset.chooseTitle });
    const csrf = /name="csrf" value="([^"]+)"/.exec(choose.text)?.[1] ?? '';
    const token = new URL(link).searchParams.get('token') ?? '';
    const done = await t.agent.post('/reset-password').type('form').send({ csrf, token, lang: 'ar', new_password: 'a brand new passphrase' }).expect(200);
    expect(frame(done.text)).toEqual({ lang: 'ar', dir: 'rtl', h1: locales.ar.reset.doneTitle });
    await t.runJobs();
    await server.waitForMail(user.email, locales.ar.mail.passwordChanged.subject);
  });
});
