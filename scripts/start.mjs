// `npm start`: the account service and the static demo host, side by side. Ctrl-C stops both.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const children = [
  spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: path.join(root, 'auth-service'),
    env: { SEED_DEMO_USER: 'true', ...process.env },
    stdio: 'inherit',
  }),
  spawn(process.execPath, ['server.mjs'], { cwd: path.join(root, 'host-examples/static'), stdio: 'inherit' }),
];

console.log(`
  Userbox is starting:
    account service  http://localhost:4000   (login, /account, /api/me, /userbox.js)
    static demo      http://localhost:4001   (a page with <user-box>)
  Press Ctrl-C to stop.
`);

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  process.exitCode = code;
}
for (const child of children) child.on('exit', (code) => stop(code ?? 0));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
