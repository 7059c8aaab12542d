/**
 * The text of the box's first paint, one table per locale; `account` is followed by the user's name. The account
 * menu's text is in `menu-messages.ts`, which comes with the menus chunk.
 */
const en = {
  lang: 'en' as 'en' | 'de' | 'ar',
  signIn: 'Sign in',
  account: 'Account: ',
  apps: 'Apps',
  loading: 'Loading account',
};

export type Messages = typeof en;

const de: Messages = {
  lang: 'de',
  signIn: 'Anmelden',
  account: 'Konto: ',
  apps: 'Apps',
  loading: 'Konto wird geladen',
};

const ar: Messages = {
  lang: 'ar',
  signIn: 'تسجيل الدخول',
  account: 'الحساب: ',
  apps: 'التطبيقات',
  loading: 'جارٍ تحميل الحساب',
};

export const messages: Readonly<Record<string, Messages>> = { en, de, ar };

/** The table for a BCP 47 tag such as `de-AT` (by its language), English when there is none. */
export function messagesFor(lang: string | null | undefined): Messages {
  return messages[(lang ?? '').split('-')[0]!.toLowerCase()] ?? en;
}
