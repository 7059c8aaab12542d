import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli.js';
import { openStore } from '../src/store/store.js';
import { loadConfig } from '../src/config.js';
import { createClientSecrets } from '../src/services/client-secrets.js';

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
    expect(await main(['apps', 'add', '--id', 'mail', '--name', 'Mail', '--url', 'https://mail.example.test/', '--origin', 'https://mail.example.test', '--redirect-uri', 'https://mail.example.test/cb', '--icon', 'mail', '--backchannel-logout-uri', 'https://mail.example.test/backchannel-logout'])).toBe(0);
    const store = await openStore(process.env['DATABASE_URL']!);
    expect(await store.apps.list()).toEqual([
      { id: 'mail', name: 'Mail', url: 'https://mail.example.test/', icon: 'mail', origins: ['https://mail.example.test'], redirectUris: ['https://mail.example.test/cb'], position: 0, confidential: false, idTokenSignedResponseAlg: 'ES256', hidden: false, jwks: null, privacyPolicyUrl: null, termsOfServiceUrl: null, backchannelLogoutUri: 'https://mail.example.test/backchannel-logout', backchannelLogoutSessionRequired: true },
    ]);
    await store.close();
    output.length = 0;
    expect(await main(['apps', 'list'])).toBe(0);
    expect(output.join('\n')).toContain('mail\tMail\thttps://mail.example.test/');
    expect(output.join('\n')).toContain('back-channel logout: https://mail.example.test/backchannel-logout');
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

  it('adds a confidential app, prints its secret once and keeps only its hash; rotates it keeping the old one for the grace period', async () => {
    vi.stubEnv('OIDC_CLIENT_SECRET_GRACE_HOURS', '5');
    expect(await main(['apps', 'add', '--id', 'books', '--name', 'Books', '--url', 'https://books.example.test/', '--origin', 'https://books.example.test', '--confidential', '--id-token-alg', 'RS256'])).toBe(0);
    const first = output.find((line) => /^[A-Za-z0-9_-]{43}$/.test(line));
    expect(first).toBeDefined();
    const store = await openStore(process.env['DATABASE_URL']!);
    try {
      expect(await store.apps.list()).toMatchObject([{ id: 'books', confidential: true, idTokenSignedResponseAlg: 'RS256', hidden: false, jwks: null }]);
      expect(JSON.stringify(await store.db.selectFrom('client_secrets').selectAll().execute())).not.toContain(first);
      output.length = 0;
      expect(await main(['apps', 'secret', 'rotate', 'books'])).toBe(0);
      const second = output.find((line) => /^[A-Za-z0-9_-]{43}$/.test(line));
      expect(second).toBeDefined();
      expect(second).not.toBe(first);
      expect(output.join('\n')).toContain('keeps working for 5 hours');
      const secrets = createClientSecrets(store, loadConfig().oidc, Date.now);
      expect(await secrets.verify('books', first!)).toBe(true);
      expect(await secrets.verify('books', second!)).toBe(true);
      const rows = await store.db.selectFrom('client_secrets').select(['expires_at']).orderBy('created_at').execute();
      expect(rows.map((r) => r.expires_at === null)).toEqual([false, true]);
    } finally {
      await store.close();
    }
  });

  it('registers a confidential app’s public keys for private_key_jwt from a file', async () => {
    const file = path.join(dir, 'jwks.json');
    const key = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' };
    writeFileSync(file, JSON.stringify({ keys: [key] }));
    expect(await main(['apps', 'add', '--id', 'books', '--name', 'Books', '--url', 'https://books.example.test/', '--origin', 'https://books.example.test', '--confidential', '--jwks-file', file])).toBe(0);
    const store = await openStore(process.env['DATABASE_URL']!);
    try {
      expect(await store.apps.list()).toMatchObject([{ id: 'books', jwks: { keys: [key] } }]);
    } finally {
      await store.close();
    }
    writeFileSync(file, JSON.stringify({ keys: [{ ...key, d: 'private' }] }));
    expect(await main(['apps', 'add', '--id', 'books', '--name', 'Books', '--url', 'https://books.example.test/', '--origin', 'https://books.example.test', '--confidential', '--jwks-file', file])).toBe(2);
    expect(output.join('\n')).toContain('jwks: must hold public keys only');
  });

  it('refuses to rotate the secret of a public or unknown app', async () => {
    expect(await main(['apps', 'add', '--id', 'mail', '--name', 'Mail', '--url', 'https://mail.example.test/', '--origin', 'https://mail.example.test'])).toBe(0);
    expect(output.some((line) => /^[A-Za-z0-9_-]{43}$/.test(line))).toBe(false);
    expect(await main(['apps', 'secret', 'rotate', 'mail'])).toBe(2);
    expect(output.join('\n')).toContain('public client');
    expect(await main(['apps', 'secret', 'rotate', 'nope'])).toBe(1);
  });

  it('prints usage for an unknown command', async () => {
    expect(await main(['frobnicate'])).toBe(2);
    expect(output.join('\n')).toContain('Usage:');
  });
});
