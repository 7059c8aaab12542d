import { html } from './html.js';
import { layout } from './pages.js';

/** The words of the email-verification pages, in one place (for the later translations). */
const messages = {
  confirm: {
    title: 'Confirm your email',
    body: (email: string) => `Confirm that ${email} is your address.`,
    button: 'Confirm my address',
  },
  done: {
    title: 'Email confirmed',
    body: (email: string) => `${email} is confirmed as your account's address.`,
    next: 'Go to your account',
  },
  refused: {
    title: 'This link cannot be used',
    next: 'Go to your account',
    again: 'You can ask for a new link on your account page.',
  },
} as const;

function hiddenFields(csrf: string, token: string) {
  return html`<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="token" value="${token}">`;
}

/** What a followed link shows first: one button, so a mail scanner that opens links confirms nothing. */
export function confirmEmailPage(opts: { email: string; token: string; csrf: string }): string {
  const m = messages.confirm;
  return layout(
    m.title,
    html`<h1>${m.title}</h1>
<p>${m.body(opts.email)}</p>
<form method="post" action="/verify-email">
  ${hiddenFields(opts.csrf, opts.token)}
  <button type="submit">${m.button}</button>
</form>`,
  );
}

export function emailConfirmedPage(email: string): string {
  const m = messages.done;
  return layout(m.title, html`<h1>${m.title}</h1>
<p role="status" class="notice">${m.body(email)}</p>
<p><a href="/account">${m.next}</a></p>`);
}

/** A used, expired, replaced or foreign link: why, and what to do next. */
export function linkRefusedPage(message: string): string {
  const m = messages.refused;
  return layout(m.title, html`<h1>${m.title}</h1>
<p role="alert" class="error">${message}</p>
<p class="hint">${m.again}</p>
<p><a href="/account">${m.next}</a></p>`);
}
