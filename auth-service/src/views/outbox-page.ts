import type { OutboxRecord } from '../store/outbox-repository.js';
import { html, escapeHtml, SafeHtml } from './html.js';
import { languageFor } from './language.js';
import { layout } from './pages.js';

/** The outbox page's words: a developer's page, in English only. */
const messages = {
  title: 'Outbox',
  intro: 'Mail the service kept instead of sending, newest first. No SMTP_URL is set, and this page exists only in development, on loopback.',
  empty: 'No mail yet.',
  to: 'To',
  sent: 'Sent',
} as const;

/** The mail's text, escaped, with every http(s) address in it a link. */
function linkified(text: string): SafeHtml {
  const escaped = escapeHtml(text);
  return new SafeHtml(escaped.replace(/https?:\/\/[^\s<>"']+/g, (url) => `<a href="${url}">${url}</a>`));
}

export function outboxPage(mails: OutboxRecord[]): string {
  return layout(
    languageFor('en', false),
    messages.title,
    html`<h1>${messages.title}</h1>
<p class="hint">${messages.intro}</p>
${mails.length === 0 ? html`<p>${messages.empty}</p>` : ''}
<ul class="sessions">
  ${mails.map(
    (m) => html`<li>
    <article class="mail">
      <h2>${m.subject}</h2>
      <p class="hint">${messages.to}: ${m.to} · ${messages.sent}: ${new Date(Number(m.sent_at)).toISOString()}</p>
      <pre class="mail-text">${linkified(m.text)}</pre>
    </article>
  </li>`,
  )}
</ul>`,
    true,
  );
}
