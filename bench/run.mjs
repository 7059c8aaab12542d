// `npm run bench`: every benchmark in turn. Each prints its own table of ratios measured side by side in
// one run (absolute numbers drift between runs on shared machines; ratios do not).
// `npm run bench -- api` (or size, scale, verify, page-views, ssr-page-views) runs only the sections named; other arguments after the
// names go to each section, e.g. `npm run bench -- api --me-only`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const sections = ['size', 'api', 'scale', 'verify', 'page-views', 'ssr-page-views'];
const args = process.argv.slice(2);
const chosen = args.filter((a) => sections.includes(a));
const passOn = args.filter((a) => !sections.includes(a));
const unknown = passOn.filter((a) => !a.startsWith('-'));
if (unknown.length) {
  console.error(`unknown section ${unknown.join(', ')}; sections: ${sections.join(', ')}`);
  process.exit(2);
}
const benches = (chosen.length ? chosen : sections).map((s) => `${s}.mjs`).filter((f) => existsSync(path.join(here, f)));
let failed = 0;
for (const file of benches) {
  console.log(`\n== ${file} ==`);
  const { status } = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, file), ...passOn], { stdio: 'inherit' });
  if (status !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
