#!/usr/bin/env node
// `npm test`: installs what the tests need (cached, idempotent), runs the type checks, the linter and
// the whole vitest suite (unit, corpus, lab boots, labgrid, end-to-end), and ends with CI's totals line:
// `N passed, N failed`.
// Extra arguments are passed to vitest (e.g. `npm test -- test/engine/devicetree`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const env = { ...process.env };

let passed = 0;
let failed = 0;

function step(name, cmd, cmdArgs) {
  process.stdout.write(`\n== ${name}\n`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env });
  return r.status === 0;
}

// 1. System packages and downloads (dtc, kernel sources and DTBs, QEMU, socat, ser2net, Chromium).
if (!step('system dependencies', 'bash', ['scripts/install-system-deps.sh', 'all'])) {
  console.log('\nsystem dependencies could not be installed: the failed step is named above; tests that need a missing part fail naming it');
  failed++;
}

// 2. Type checks: each layer against its own allowed libraries (the engine has no DOM and no Node).
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
for (const project of ['engine/tsconfig.json', 'cli/tsconfig.json', 'electron/tsconfig.json', 'test/tsconfig.json']) {
  if (!existsSync(join(root, project))) continue;
  if (step(`typecheck ${project}`, process.execPath, [tsc, '-p', project, '--noEmit'])) passed++;
  else failed++;
}
const vueTsc = join(root, 'node_modules', 'vue-tsc', 'bin', 'vue-tsc.js');
if (existsSync(join(root, 'renderer/tsconfig.json'))) {
  if (step('typecheck renderer/tsconfig.json', process.execPath, [vueTsc, '-p', 'renderer/tsconfig.json', '--noEmit'])) passed++;
  else failed++;
}

// 3. Lint: the import fences of ../shared/STYLE.md and typescript-eslint's rules (eslint.config.js).
const eslint = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
if (step('lint (eslint .)', process.execPath, [eslint, '.', '--max-warnings', '0'])) passed++;
else failed++;

// 4. The test suite: the unit and system projects (vitest.config.ts).
const reportDir = join(root, '.cache', 'test-report');
mkdirSync(reportDir, { recursive: true });
const report = join(reportDir, 'vitest.json');
rmSync(report, { force: true });
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
step('vitest', process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args]);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += (r.numFailedTests ?? 0);
  // A test file that failed to load counts as a failure even though it ran no test.
  for (const f of r.testResults ?? []) if (f.status === 'failed' && (f.assertionResults ?? []).length === 0) failed++;
} else {
  console.log('vitest wrote no report');
  failed++;
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
