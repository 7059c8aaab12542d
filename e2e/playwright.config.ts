import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';
import type { HostName } from './support/fixtures.js';

const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

const chromium = {
  browserName: 'chromium' as const,
  launchOptions: {
    executablePath: existsSync(executablePath) ? executablePath : undefined,
    // Every *.test name is this machine; each is still its own site to the browser.
    // FedCM off: these projects test the bounce, as browsers without FedCM (Firefox, Safari) take it. With FedCM on
    // and no well-known file at port 443 the box would wait for Chromium's randomly delayed refusal first. The
    // fedcm project (tests/fedcm.spec.ts) launches its own Chromium with FedCM on.
    args: ['--host-resolver-rules=MAP *.test 127.0.0.1', '--disable-background-networking', '--disable-component-update', '--disable-features=FedCm'],
  },
};

// A second engine: Debian's Firefox ESR, driven by Playwright 1.64.1 (pinned; 1.65 cannot drive it here). Firefox has
// no --host-resolver-rules; `network.dns.forceResolve` sends every name (so every *.test) to this machine, and
// each host name is still its own site, with Total Cookie Protection partitioning third-party cookies.
const firefoxPath = process.env['FIREFOX_PATH'] ?? '/usr/bin/firefox-esr';
const firefox = {
  browserName: 'firefox' as const,
  channel: 'moz-firefox',
  launchOptions: {
    executablePath: existsSync(firefoxPath) ? firefoxPath : undefined,
    firefoxUserPrefs: {
      'network.dns.forceResolve': '127.0.0.1',
      // Playwright's profile turns Firefox's cookie protection off ("cookieBehavior0"); a user's Firefox partitions
      // third-party cookies (Total Cookie Protection, cookie behaviour 5, Firefox's default), as here.
      'browser.contentblocking.features.standard': '-tp,tpPrivate,cookieBehavior5,cookieBehaviorPBM5,-cm,-fp',
      'network.cookie.cookieBehavior': 5,
    },
  },
};

// The shared specs (tests/hosts/) run once per host example, so each host proves the same behaviour.
const hosts: HostName[] = ['static', 'react', 'python', 'express-ssr'];

export default defineConfig<{ host: HostName | undefined }>({
  testDir: './tests',
  forbidOnly: !!process.env['CI'],
  retries: 0,
  workers: 2,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: process.env['CI'] ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    ignoreHTTPSErrors: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'chromium', use: chromium, testIgnore: [/screenshots\.spec\.ts/, /[\\/]hosts[\\/]/, /[\\/]fedcm\.spec\.ts/] },
    ...hosts.map((host) => ({ name: `host-${host}`, use: { ...chromium, host }, testMatch: /[\\/]hosts[\\/].*\.spec\.ts/ })),
    { name: 'screenshots', use: chromium, testMatch: /screenshots\.spec\.ts/ },
    // FedCM in token mode: each test launches Chromium itself (a persistent profile, FedCM on, the test
    // certificate's key trusted for the browser's own fetches, the well-known file's port kept).
    { name: 'fedcm', use: chromium, testMatch: /[\\/]fedcm\.spec\.ts/ },
    // Firefox: the widget's token mode, and the shared host suite once per host.
    { name: 'firefox', use: firefox, testMatch: /[\\/]token-mode\.spec\.ts/ },
    ...hosts.map((host) => ({ name: `firefox-host-${host}`, use: { ...firefox, host }, testMatch: /[\\/]hosts[\\/].*\.spec\.ts/ })),
  ],
});
