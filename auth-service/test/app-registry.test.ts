import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { appSchema, readAppsFile, type AppInput } from '../src/services/apps.js';

const app = (overrides: Partial<AppInput> = {}): AppInput => ({
  id: 'news',
  name: 'News',
  url: 'https://news.example.test/',
  origins: ['https://news.example.test'],
  redirectUris: ['https://news.example.test/callback'],
  ...overrides,
});

const problems = (input: AppInput) => {
  const parsed = appSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('the app registry: https, or plain http on loopback only', () => {
  it('accepts https anywhere', () => {
    expect(problems(app())).toEqual([]);
  });

  it.each(['http://localhost:4001', 'http://127.0.0.1:4001', 'http://[::1]:4001', 'http://localhost'])('accepts plain http on the loopback host %s', (origin) => {
    expect(problems(app({ url: `${origin}/`, origins: [origin], redirectUris: [`${origin}/callback`] }))).toEqual([]);
  });

  it.each([
    ['an origin', { origins: ['http://news.example.test'] }, 'origins.0'],
    ['a redirect URI', { redirectUris: ['http://news.example.test/callback'] }, 'redirectUris.0'],
    ['the home page', { url: 'http://news.example.test/' }, 'url'],
    ['a look-alike of localhost', { origins: ['http://localhost.evil.test'] }, 'origins.0'],
    ['a sub-domain of localhost', { redirectUris: ['http://app.localhost/callback'] }, 'redirectUris.0'],
    ['127.0.0.2 (only 127.0.0.1 counts)', { origins: ['http://127.0.0.2'] }, 'origins.0'],
    ['a private address', { origins: ['http://192.168.1.10:8080'] }, 'origins.0'],
  ])('refuses plain http for %s off loopback, with a clear error', (_label, overrides, field) => {
    expect(problems(app(overrides))).toEqual([`${field}: must use https (plain http only on localhost, 127.0.0.1 or [::1])`]);
  });

  it('takes a back-channel logout URI over https, or http on loopback; never off loopback, never with a fragment', () => {
    expect(problems(app({ backchannelLogoutUri: 'https://news.example.test/backchannel-logout?x=1' }))).toEqual([]);
    expect(problems(app({ backchannelLogoutUri: 'http://127.0.0.1:4001/backchannel-logout' }))).toEqual([]);
    expect(appSchema.parse(app()).backchannelLogoutUri).toBeNull();
    expect(appSchema.parse(app()).backchannelLogoutSessionRequired).toBe(true);
    expect(problems(app({ backchannelLogoutUri: 'http://news.example.test/backchannel-logout' }))).toEqual([
      'backchannelLogoutUri: must use https (plain http only on localhost, 127.0.0.1 or [::1])',
    ]);
    expect(problems(app({ backchannelLogoutUri: 'https://news.example.test/logout#frag' }))).toEqual(['backchannelLogoutUri: must not have a fragment (#…)']);
    expect(problems(app({ backchannelLogoutUri: 'https://news.example.test/logout#' }))).toEqual(['backchannelLogoutUri: must not have a fragment (#…)']);
  });

  it('names the file and the field when the apps file breaks the rule', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'userbox-apps-'));
    try {
      const file = path.join(dir, 'userbox.apps.json');
      writeFileSync(file, JSON.stringify({ apps: [app(), app({ id: 'mail', origins: ['http://mail.example.test'] })] }));
      await expect(readAppsFile(file)).rejects.toThrow(`${file}: apps.1.origins.0: must use https (plain http only on localhost, 127.0.0.1 or [::1])`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('confidential apps in the registry file', () => {
  const hash = 'x'.repeat(43);
  const read = async (entry: Record<string, unknown>) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'userbox-apps-'));
    try {
      const file = path.join(dir, 'userbox.apps.json');
      writeFileSync(file, JSON.stringify({ apps: [{ ...app(), ...entry }] }));
      return await readAppsFile(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('takes the hash of a confidential app’s secret and its ID token algorithm', async () => {
    expect(await read({ confidential: true, clientSecretHash: hash, idTokenSignedResponseAlg: 'RS256' })).toMatchObject([
      { id: 'news', confidential: true, clientSecretHash: hash, idTokenSignedResponseAlg: 'RS256' },
    ]);
  });

  it('refuses a secret for a public app, something that is not a SHA-256, a secret in clear, and other algorithms', async () => {
    await expect(read({ clientSecretHash: hash })).rejects.toThrow('apps.0.clientSecretHash: only a confidential app');
    await expect(read({ confidential: true, clientSecretHash: 'short' })).rejects.toThrow('apps.0.clientSecretHash: must be the SHA-256');
    await expect(read({ confidential: true, clientSecret: 'hunter2' })).rejects.toThrow(/clientSecret/);
    await expect(read({ idTokenSignedResponseAlg: 'HS256' })).rejects.toThrow('apps.0.idTokenSignedResponseAlg');
  });

  it('takes a confidential app’s public keys for private_key_jwt, never a private key, never for a public app', async () => {
    const key = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' };
    expect(await read({ confidential: true, jwks: { keys: [key] } })).toMatchObject([{ jwks: { keys: [key] } }]);
    await expect(read({ confidential: true, jwks: { keys: [{ ...key, d: 'secret' }] } })).rejects.toThrow('apps.0.jwks: must hold public keys only');
    await expect(read({ confidential: true, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } })).rejects.toThrow('apps.0.jwks.keys.0.kty');
    await expect(read({ jwks: { keys: [key] } })).rejects.toThrow('apps.0.jwks: only a confidential app');
  });
});

describe('the registries that ship', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

  it('compose.yaml loads deploy/userbox.apps.json, whose apps all use https', async () => {
    const compose = readFileSync(path.join(root, 'compose.yaml'), 'utf8');
    const mount = /- \.\/(\S+):(\S+):ro/.exec(compose);
    expect(mount?.[1]).toBe('deploy/userbox.apps.json');
    expect(compose).toContain(`APPS_FILE: ${mount?.[2]}`);
    const apps = await readAppsFile(path.join(root, mount![1]!));
    expect(apps.length).toBeGreaterThan(0);
    for (const a of apps) for (const url of [a.url, ...a.origins, ...a.redirectUris]) expect(url).toMatch(/^https:\/\//);
  });

  it('the local demo registry (userbox.apps.json, on localhost) is valid', async () => {
    await expect(readAppsFile(path.join(root, 'auth-service/userbox.apps.json'))).resolves.toHaveLength(1);
  });
});
