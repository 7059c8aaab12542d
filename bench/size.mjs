// `npm run size` (also part of `npm run bench`): the gzip size of the widget's loaders and of every chunk.
// Exits non-zero when a file is over budget or the build is missing, so CI can run it after `npm run build`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../widget/dist');
const KB = 1024;
// The stable addresses snippets name: a line each that imports the content-hashed chunks.
const loaders = ['userbox.js', 'userbox.iife.js', 'userbox-token.js', 'userbox-host-sync.js'];
const loaderBudget = 256;
// Issue 5: the code that paints a signed-in user, Lit included, at most 10 KB gzip: the element's chunk. Lazy
// chunks (token mode, the menus) load only when used and are held to the same bar.
const chunkBudget = 10 * KB;

if (!existsSync(path.join(dist, 'chunks'))) {
  console.error(`${dist}/chunks is missing: run npm run build first`);
  process.exit(1);
}
const chunks = readdirSync(path.join(dist, 'chunks'))
  .filter((file) => file.endsWith('.js'))
  .map((file) => `chunks/${file}`);

const rows = [];
let failed = false;
for (const file of [...loaders, ...chunks]) {
  const full = path.join(dist, file);
  if (!existsSync(full)) {
    console.error(`${full} is missing: run npm run build first`);
    failed = true;
    continue;
  }
  const raw = readFileSync(full);
  const gzip = gzipSync(raw, { level: 9 }).length;
  const budget = loaders.includes(file) ? loaderBudget : chunkBudget;
  const within = gzip <= budget;
  failed ||= !within;
  rows.push({
    file,
    role: loaders.includes(file) ? 'loader' : /^chunks\/userbox-[\w-]{8}\.js$/.test(file) ? 'first paint (Lit inside)' : 'lazy chunk',
    'raw bytes': raw.length,
    'gzip bytes': gzip,
    'budget (gzip)': budget,
    'within budget': within ? 'yes' : 'NO',
  });
}
console.table(rows);
process.exit(failed ? 1 : 0);
