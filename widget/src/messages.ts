/** All text the box shows, one table per locale. */
export const en = {
  signIn: 'Sign in',
  signOut: 'Sign out',
  manageAccount: 'Manage your account',
  account: (name: string) => `Account: ${name}`,
  accountMenu: 'Account menu',
  loading: 'Loading account',
} as const;

export type Messages = typeof en;
