// Makes sure the browser tests have their two engines: Debian's Chromium and Firefox ESR, installed with apt-get
// when one is missing and we can.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const browsers = [
  { name: 'Chromium', variable: 'CHROMIUM_PATH', path: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', pkg: 'chromium' },
  { name: 'Firefox ESR', variable: 'FIREFOX_PATH', path: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr', pkg: 'firefox-esr' },
];
const missing = browsers.filter((b) => !existsSync(b.path));
if (missing.length === 0) process.exit(0);

const isRoot = process.getuid?.() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
const packages = missing.map((b) => b.pkg);
if (!hasApt || !isRoot) {
  for (const b of missing) console.error(`No ${b.name} at ${b.path}; or set ${b.variable} to its binary.`);
  console.error(`Install Debian's (sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}), then run the tests again.`);
  process.exit(1);
}
console.log(`Installing Debian's ${packages.join(' and ')}…`);
execFileSync('apt-get', ['update'], { stdio: 'inherit' });
execFileSync('apt-get', ['install', '-y', ...packages], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
for (const b of missing) {
  if (!existsSync(b.path)) {
    console.error(`apt-get finished but ${b.path} is still missing; set ${b.variable}.`);
    process.exit(1);
  }
}
