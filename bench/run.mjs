// `npm run bench`: every benchmark in turn. Each prints its own table of ratios measured side by side in
// one run (absolute numbers drift between runs on shared machines; ratios do not).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const benches = ['size.mjs', 'api.mjs', 'scale.mjs', 'verify.mjs'].filter((f) => existsSync(path.join(here, f)));
let failed = 0;
for (const file of benches) {
  console.log(`\n== ${file} ==`);
  const { status } = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, file)], { stdio: 'inherit' });
  if (status !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
