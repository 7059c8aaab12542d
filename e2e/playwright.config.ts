import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';
import type { HostName } from './support/fixtures.js';

const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

const chromium = {
  browserName: 'chromium' as const,
  launchOptions: {
    executablePath: existsSync(executablePath) ? executablePath : undefined,
    // Every *.test name is this machine; each is still its own site to the browser.
    args: ['--host-resolver-rules=MAP *.test 127.0.0.1', '--disable-background-networking', '--disable-component-update'],
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
    { name: 'chromium', use: chromium, testIgnore: [/screenshots\.spec\.ts/, /[\\/]hosts[\\/]/] },
    ...hosts.map((host) => ({ name: `host-${host}`, use: { ...chromium, host }, testMatch: /[\\/]hosts[\\/].*\.spec\.ts/ })),
    { name: 'screenshots', use: chromium, testMatch: /screenshots\.spec\.ts/ },
  ],
});
