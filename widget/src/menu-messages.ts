import type { Messages } from './messages.js';

/**
 * The account menu's text, one table per locale beside the first paint's (`messages.ts`): it travels in the
 * menus chunk, so the first paint stays within its 10 KB. `signOutOf` is followed by an account's name.
 */
const en = {
  signOut: 'Sign out',
  signOutAll: 'Sign out of all devices',
  manage: 'Manage your account',
  signOutOf: 'Sign out: ',
  addAccount: 'Add another account',
  signOutAccounts: 'Sign out of all accounts',
  switchAccount: 'Switch account',
  verify: 'Verify your email',
  resend: 'Send a new link',
  sending: 'Sending …',
  sent: 'Sent. Check your mail.',
  limited: 'Too many links were asked for. Try again later.',
  resendFailed: 'The link could not be sent. Try again.',
};

export type MenuMessages = typeof en;

const de: MenuMessages = {
  signOut: 'Abmelden',
  signOutAll: 'Auf allen Geräten abmelden',
  manage: 'Konto verwalten',
  signOutOf: 'Abmelden: ',
  addAccount: 'Weiteres Konto hinzufügen',
  signOutAccounts: 'Von allen Konten abmelden',
  switchAccount: 'Konto wechseln',
  verify: 'Bestätigen Sie Ihre E-Mail-Adresse',
  resend: 'Neuen Link senden',
  sending: 'Wird gesendet …',
  sent: 'Gesendet. Sehen Sie in Ihr Postfach.',
  limited: 'Zu viele Links angefordert. Versuchen Sie es später noch einmal.',
  resendFailed: 'Der Link konnte nicht gesendet werden. Versuchen Sie es noch einmal.',
};

const ar: MenuMessages = {
  signOut: 'تسجيل الخروج',
  signOutAll: 'تسجيل الخروج من كل الأجهزة',
  manage: 'إدارة حسابك',
  signOutOf: 'تسجيل الخروج: ',
  addAccount: 'إضافة حساب آخر',
  signOutAccounts: 'تسجيل الخروج من كل الحسابات',
  switchAccount: 'تبديل الحساب',
  verify: 'أكِّد بريدك الإلكتروني',
  resend: 'إرسال رابط جديد',
  sending: 'جارٍ الإرسال …',
  sent: 'تم الإرسال. تحقّق من بريدك.',
  limited: 'طُلبت روابط كثيرة جدًا. حاول مرة أخرى لاحقًا.',
  resendFailed: 'تعذّر إرسال الرابط. حاول مرة أخرى.',
};

export const menuMessages: Readonly<Record<Messages['lang'], MenuMessages>> = { en, de, ar };

/** The menu's table in the language of the first paint's table `t` (English when the page's has none). */
export const menuMessagesFor = (t: Messages): MenuMessages => menuMessages[t.lang];
