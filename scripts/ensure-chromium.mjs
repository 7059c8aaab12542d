// Makes sure the browser tests have a Chromium: Debian's, installed with apt-get when it is missing and we can.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);

const isRoot = process.getuid?.() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (!hasApt || !isRoot) {
  console.error(`No Chromium at ${path}. Install Debian's (sudo apt-get update && sudo apt-get install -y chromium)
or set CHROMIUM_PATH to a Chromium binary, then run the tests again.`);
  process.exit(1);
}
console.log(`No Chromium at ${path}: installing Debian's chromium package…`);
execFileSync('apt-get', ['update'], { stdio: 'inherit' });
execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
if (!existsSync(path)) {
  console.error(`apt-get finished but ${path} is still missing; set CHROMIUM_PATH.`);
  process.exit(1);
}
