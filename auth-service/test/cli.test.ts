import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli.js';
import { openStore } from '../src/store/store.js';

let dir: string;
let output: string[];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'userbox-cli-'));
  vi.stubEnv('DATABASE_URL', `sqlite:${path.join(dir, 'db.sqlite')}`);
  output = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void output.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void output.push(a.join(' ')));
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe('npx userbox apps', () => {
  it('adds, lists and removes an app in the database the service uses', async () => {
    expect(await main(['apps', 'add', '--id', 'mail', '--name', 'Mail', '--url', 'https://mail.example.test/', '--origin', 'https://mail.example.test', '--redirect-uri', 'https://mail.example.test/cb', '--icon', 'mail'])).toBe(0);
    const store = await openStore(process.env['DATABASE_URL']!);
    expect(await store.apps.list()).toEqual([
      { id: 'mail', name: 'Mail', url: 'https://mail.example.test/', icon: 'mail', origins: ['https://mail.example.test'], redirectUris: ['https://mail.example.test/cb'], position: 0 },
    ]);
    await store.close();
    output.length = 0;
    expect(await main(['apps', 'list'])).toBe(0);
    expect(output.join('\n')).toContain('mail\tMail\thttps://mail.example.test/');
    expect(await main(['apps', 'remove', 'mail'])).toBe(0);
    expect(await main(['apps', 'remove', 'mail'])).toBe(1);
  });

  it('refuses an invalid app and names each bad field', async () => {
    expect(await main(['apps', 'add', '--id', 'Bad Id', '--name', 'X', '--url', 'ftp://x', '--origin', 'https://x.test/path', '--icon', 'javascript:alert(1)'])).toBe(2);
    const text = output.join('\n');
    expect(text).toContain('id: ');
    expect(text).toContain('url: ');
    expect(text).toContain('origins.0: must be an exact origin');
    expect(text).toContain('icon: must be an https:// URL or one of the bundled icons');
  });

  it('refuses plain http outside loopback hosts', async () => {
    expect(await main(['apps', 'add', '--id', 'mail', '--name', 'Mail', '--url', 'https://mail.example.test/', '--origin', 'http://mail.example.test'])).toBe(2);
    expect(output.join('\n')).toContain('origins.0: must use https (plain http only on localhost, 127.0.0.1 or [::1])');
  });

  it('prints usage for an unknown command', async () => {
    expect(await main(['frobnicate'])).toBe(2);
    expect(output.join('\n')).toContain('Usage:');
  });
});
