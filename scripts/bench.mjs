#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.ts (in name order, or those named on the command line) with
// tsx. Each bench prints its own figures and its ratio against the reference tool measured in the same run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wanted = process.argv.slice(2);
const benches = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
spawnSync('bash', [join(root, 'scripts', 'install-system-deps.sh'), 'all'], { stdio: 'inherit' });
let failed = 0;
for (const b of benches) {
  console.log(`\n== ${b}`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'bench', b)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
