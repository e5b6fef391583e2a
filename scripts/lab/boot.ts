// Boots one lab scenario (test/lab/scenarios) on the real QEMU board and prints its console and truth;
// with --record, writes the golden files test/fixtures/bootlog/lab/<name>.{log,truth.json}.
// Usage: npx tsx scripts/lab/boot.ts <scenario|all> [--record] [--quiet]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootScenario, labDir } from '../../test/lab/board';
import { scenarioByName, scenarios } from '../../test/lab/scenarios/index';

const args = process.argv.slice(2);
const record = args.includes('--record');
const quiet = args.includes('--quiet');
const names = args.filter((a) => !a.startsWith('--'));
const goldenDir = join(labDir, '..', 'fixtures', 'bootlog', 'lab');
const list = names.includes('all') ? scenarios : names.map(scenarioByName);
if (list.length === 0) {
  console.error('usage: npx tsx scripts/lab/boot.ts <scenario|all>... [--record] [--quiet]');
  console.error(`scenarios: ${scenarios.map((s) => s.name).join(' ')}`);
  process.exit(2);
}
let bad = 0;
for (const s of list) {
  const r = await bootScenario(s);
  if (!quiet) process.stdout.write(r.console.toString('utf8'));
  const text = r.console.toString('latin1');
  const missing = [
    ...s.signatures.filter((sig) => !new RegExp(sig).test(text)),
    ...(s.absentSignatures ?? []).filter((sig) => new RegExp(sig).test(text)).map((sig) => `(must not print) ${sig}`),
  ];
  console.log(
    `\n== ${s.name}: ${(r.durationMs / 1000).toFixed(1)} s, exit ${r.exitCode}${r.timedOut ? ' (TIMED OUT)' : ''}, ` +
      `truth ${r.truth ? `at uptime ${r.truth.uptimeSeconds}` : 'MISSING'}, missing signatures: ${missing.length ? missing.join(' | ') : 'none'}`,
  );
  if (r.stderr.trim()) console.log(`qemu stderr: ${r.stderr.trim()}`);
  if (!r.truth || r.timedOut || missing.length) bad++;
  if (record && r.truth) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(join(goldenDir, `${s.name}.log`), r.console);
    writeFileSync(join(goldenDir, `${s.name}.truth.json`), JSON.stringify({ scenario: s.name, ...r.truth.truth }, null, 2) + '\n');
  }
}
process.exitCode = bad ? 1 : 0;
