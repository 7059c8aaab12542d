import type { Mail } from '../services/mail.js';
import { html, type SafeHtml } from './html.js';

/**
 * Every mail the service sends, its words in one messages object per mail (the later translations replace these
 * objects, not the code). Each renders to plain text and to HTML with the same content; names are escaped.
 */
const messages = {
  verifyEmail: {
    subject: 'Confirm your email address',
    greeting: (name: string) => `Hello ${name},`,
    body: 'Follow this link to confirm that this address is yours. It works once, for 24 hours:',
    ignore: 'If you did not create an account, ignore this mail.',
  },
  changeEmail: {
    subject: 'Confirm your new email address',
    greeting: (name: string) => `Hello ${name},`,
    body: 'You asked to use this address for your account. Follow this link to confirm it. It works once, for 24 hours:',
    ignore: 'If you did not ask for this, ignore this mail: nothing changes.',
  },
  emailChangeNotice: {
    subject: 'Your account email is about to change',
    greeting: (name: string) => `Hello ${name},`,
    body: (newEmail: string) => `Someone signed in to your account asked to change its email to ${newEmail}. It changes only once a link sent to that address is followed.`,
    ignore: 'If this was not you, change your password now.',
  },
  resetPassword: {
    subject: 'Reset your password',
    greeting: (name: string) => `Hello ${name},`,
    body: 'Follow this link to choose a new password. It works once, for 30 minutes:',
    ignore: 'If you did not ask for this, ignore this mail: your password stays as it is.',
  },
  passwordChanged: {
    subject: 'Your password was changed',
    greeting: (name: string) => `Hello ${name},`,
    body: 'The password of your account was just changed, and every session was signed out.',
    ignore: 'If this was not you, reset your password now from the sign-in page.',
  },
  goodbye: {
    subject: 'Your account was deleted',
    greeting: (name: string) => `Goodbye ${name},`,
    body: 'Your account and everything the service held about you were deleted, as you asked.',
    ignore: 'If this was not you, write to the people who run this service.',
  },
} as const;

const signature = 'Userbox';

function render(to: string, subject: string, lines: { greeting: string; body: string; link?: string; ignore: string }): Mail {
  const text = [lines.greeting, '', lines.body, ...(lines.link ? ['', lines.link] : []), '', lines.ignore, '', `— ${signature}`].join('\n');
  const link: SafeHtml | string = lines.link ? html`<p><a href="${lines.link}">${lines.link}</a></p>` : '';
  const body = html`<!doctype html><html><body>
<p>${lines.greeting}</p>
<p>${lines.body}</p>
${link}
<p>${lines.ignore}</p>
<p>— ${signature}</p>
</body></html>`;
  return { to, subject, text, html: body.value };
}

export function verifyEmailMail(to: string, name: string, link: string): Mail {
  const m = messages.verifyEmail;
  return render(to, m.subject, { greeting: m.greeting(name), body: m.body, link, ignore: m.ignore });
}

export function changeEmailMail(to: string, name: string, link: string): Mail {
  const m = messages.changeEmail;
  return render(to, m.subject, { greeting: m.greeting(name), body: m.body, link, ignore: m.ignore });
}

export function emailChangeNoticeMail(to: string, name: string, newEmail: string): Mail {
  const m = messages.emailChangeNotice;
  return render(to, m.subject, { greeting: m.greeting(name), body: m.body(newEmail), ignore: m.ignore });
}

export function resetPasswordMail(to: string, name: string, link: string): Mail {
  const m = messages.resetPassword;
  return render(to, m.subject, { greeting: m.greeting(name), body: m.body, link, ignore: m.ignore });
}

export function passwordChangedMail(to: string, name: string): Mail {
  const m = messages.passwordChanged;
  return render(to, m.subject, { greeting: m.greeting(name), body: m.body, ignore: m.ignore });
}

export function goodbyeMail(to: string, name: string): Mail {
  const m = messages.goodbye;
  return render(to, m.subject, { greeting: m.greeting(name), body: m.body, ignore: m.ignore });
}
