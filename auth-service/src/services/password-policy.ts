import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../errors.js';

const listFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../resources/common-passwords.txt');

let common: Set<string> | undefined;

function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(listFile, 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => line.toLowerCase()),
  );
  return common;
}

/** ASVS 2.1.1: at least 12 characters (counted as code points, so any script and emoji count fairly). */
export const minPasswordLength = 12;

/** Refuses (422 WEAK_PASSWORD) a new password that is short, among the 10,000 most common, or the email. */
export function assertStrongPassword(password: string, email?: string): void {
  const chars = [...password].length;
  if (chars < minPasswordLength) {
    throw new AppError('WEAK_PASSWORD', `Use at least ${minPasswordLength} characters.`);
  }
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) {
    throw new AppError('WEAK_PASSWORD', 'This password is one of the most common ones. Choose another.');
  }
  if (email && lower === email.toLowerCase()) {
    throw new AppError('WEAK_PASSWORD', 'Do not use your email address as your password.');
  }
}
