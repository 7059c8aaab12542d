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
};

const ar: MenuMessages = {
  signOut: 'تسجيل الخروج',
  signOutAll: 'تسجيل الخروج من كل الأجهزة',
  manage: 'إدارة حسابك',
  signOutOf: 'تسجيل الخروج: ',
  addAccount: 'إضافة حساب آخر',
  signOutAccounts: 'تسجيل الخروج من كل الحسابات',
  switchAccount: 'تبديل الحساب',
};

export const menuMessages: Readonly<Record<Messages['lang'], MenuMessages>> = { en, de, ar };

/** The menu's table in the language of the first paint's table `t` (English when the page's has none). */
export const menuMessagesFor = (t: Messages): MenuMessages => menuMessages[t.lang];
