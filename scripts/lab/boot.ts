// Boots lab scenarios (scripts/lib/lab/scenarios) on the real QEMU boards and prints each console and truth;
// with --record, writes the goldens test/fixtures/bootlog/lab[/<kernel>]/<name>.{log,truth.json,dtb}
// (the .dtb is the tree QEMU handed the kernel, dumped with the same arguments).
// Usage: npx tsx scripts/lab/boot.ts <scenario|all|vendor>... [--kernel arm64-6.1|arm64-6.12|armhf-6.1] [--record] [--quiet]
// Without --kernel each scenario boots on every kernel of its machine.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bootLabel, bootScenario, dumpBootDtb, goldenBase, scenarioKernels, type DebianKernel, type LabBoot } from '../lib/lab/board';
import { scenarioByName, scenarios } from '../lib/lab/scenarios/index';

const args = process.argv.slice(2);
const record = args.includes('--record');
const quiet = args.includes('--quiet');
const k = args.indexOf('--kernel');
const onlyKernel = k >= 0 ? (args[k + 1] as DebianKernel) : null;
const names = args.filter((a, i) => !a.startsWith('--') && !(k >= 0 && i === k + 1));
const list = names.includes('all') ? scenarios : names.includes('vendor') ? scenarios.filter((s) => s.machine !== 'virt') : names.map(scenarioByName);
const boots: LabBoot[] = list.flatMap((scenario) => scenarioKernels(scenario).filter((kernel) => !onlyKernel || kernel === onlyKernel).map((kernel) => ({ scenario, kernel })));
if (boots.length === 0) {
  console.error('usage: npx tsx scripts/lab/boot.ts <scenario|all|vendor>... [--kernel K] [--record] [--quiet]');
  console.error(`scenarios: ${scenarios.map((s) => s.name).join(' ')}`);
  process.exit(2);
}
let bad = 0;
for (const b of boots) {
  const s = b.scenario;
  const r = await bootScenario(s, { kernel: b.kernel });
  if (!quiet) process.stdout.write(r.console.toString('utf8'));
  const text = r.console.toString('latin1');
  const missing = [
    ...s.signatures.filter((sig) => !new RegExp(sig).test(text)),
    ...(s.absentSignatures ?? []).filter((sig) => new RegExp(sig).test(text)).map((sig) => `(must not print) ${sig}`),
  ];
  console.log(
    `\n== ${bootLabel(b)}: ${(r.durationMs / 1000).toFixed(1)} s, exit ${r.exitCode}${r.timedOut ? ' (TIMED OUT)' : ''}, ` +
      `truth ${r.truth ? `at uptime ${r.truth.uptimeSeconds}` : 'MISSING'}, missing signatures: ${missing.length ? missing.join(' | ') : 'none'}`,
  );
  if (r.stderr.trim()) console.log(`qemu stderr: ${r.stderr.trim()}`);
  if (!r.truth || r.timedOut || missing.length) bad++;
  if (record && r.truth) {
    const base = goldenBase(b);
    mkdirSync(dirname(base), { recursive: true });
    writeFileSync(`${base}.log`, r.console);
    writeFileSync(`${base}.truth.json`, JSON.stringify({ scenario: s.name, ...r.truth.truth }, null, 2) + '\n');
    writeFileSync(`${base}.dtb`, dumpBootDtb(s, { kernel: b.kernel }));
  }
}
process.exitCode = bad ? 1 : 0;
