// `npm run size` (also part of `npm run bench`): the gzip size of each widget bundle against its budget.
// Exits non-zero when a bundle is over budget or missing, so CI can run it after `npm run build`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../widget/dist');
const KB = 1024;
// Issue 5: the IIFE bundle, Lit included, at most 10 KB gzip. The ES module build carries Lit too and is held
// to the same bar, so neither way of loading the box costs more.
const bundles = [
  { file: 'userbox.iife.js', budget: 10 * KB },
  { file: 'userbox.js', budget: 10 * KB },
];

const rows = [];
let failed = false;
for (const { file, budget } of bundles) {
  const full = path.join(dist, file);
  if (!existsSync(full)) {
    console.error(`${full} is missing: run npm run build first`);
    failed = true;
    continue;
  }
  const raw = readFileSync(full);
  const gzip = gzipSync(raw, { level: 9 }).length;
  const within = gzip <= budget;
  failed ||= !within;
  rows.push({
    bundle: file,
    'raw bytes': raw.length,
    'gzip bytes': gzip,
    'budget (gzip)': `${budget} (${budget / KB} KB)`,
    'within budget': within ? 'yes' : 'NO',
  });
}
console.table(rows);
process.exit(failed ? 1 : 0);
