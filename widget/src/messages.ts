/** All text the box shows, one table per locale. `account` is followed by the user's name. */
const en = {
  signIn: 'Sign in',
  signOut: 'Sign out',
  signOutAll: 'Sign out of all devices',
  manage: 'Manage your account',
  account: 'Account: ',
  apps: 'Apps',
  loading: 'Loading account',
};

export type Messages = typeof en;

const de: Messages = {
  signIn: 'Anmelden',
  signOut: 'Abmelden',
  signOutAll: 'Auf allen Geräten abmelden',
  manage: 'Konto verwalten',
  account: 'Konto: ',
  apps: 'Apps',
  loading: 'Konto wird geladen',
};

const ar: Messages = {
  signIn: 'تسجيل الدخول',
  signOut: 'تسجيل الخروج',
  signOutAll: 'تسجيل الخروج من كل الأجهزة',
  manage: 'إدارة حسابك',
  account: 'الحساب: ',
  apps: 'التطبيقات',
  loading: 'جارٍ تحميل الحساب',
};

export const messages: Readonly<Record<string, Messages>> = { en, de, ar };

/** The table for a BCP 47 tag such as `de-AT` (by its language), English when there is none. */
export function messagesFor(lang: string | null | undefined): Messages {
  return messages[(lang ?? '').split('-')[0]!.toLowerCase()] ?? en;
}
