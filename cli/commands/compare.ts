// `bringup compare <BOARD> <LOG>`: the prediction for a board (engine/probe, with the predict flags
// of cli/predict-options.ts) set beside a captured boot log (engine/bootlog), device by device, through
// the engine's one comparison pipeline (engine/compare compareBoot, as the app and session exports).
// Exit 0 everything observable matches, 1 mismatches, 2 bad input or usage.
import { hostname } from 'node:os';
import { basename, resolve as resolvePath } from 'node:path';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../../engine/common/index';
import { compareBoot, comparisonToJunit, junitSuiteName, junitTimestamp, type Comparison, type DeviceComparison } from '../../engine/compare';
import { parseBootLog } from '../../engine/bootlog';
import type { DtTree } from '../../engine/devicetree';
import { parseArgs, UsageError, type FlagSpec } from '../args';
import { EXIT_INPUT_ERROR, EXIT_OK, EXIT_USAGE, type CliIo } from '../io';
import type { Command } from '../main';
import { PREDICT_FLAGS, PREDICT_USAGE, predictOptionsFromFlags } from '../predict-options';
import { loadBoard } from '../board';

const FLAGS: FlagSpec[] = [
  ...PREDICT_FLAGS,
  { names: ['-I', '--include'], key: 'include', kind: 'list' },
  { names: ['-D', '--define'], key: 'define', kind: 'list' },
  { names: ['--json'], key: 'json', kind: 'boolean' },
  { names: ['--junit'], key: 'junit', kind: 'string' },
  { names: ['--boot'], key: 'boot', kind: 'string' },
];

const usage = `usage: bringup compare <BOARD.dts|.dtb> <LOG> [-I DIR]... [-D NAME[=VAL]]... [predict options] [--json] [--junit FILE]

Predicts the board's boot (as bringup predict) and compares it with a captured boot log (as bringup
parse-log), device by device: state, IOMMU attachment and group, deferrals, bind order.
Without --cmdline the kernel command line printed in the log is used. PCI functions the log names
are added to the prediction unless --pci is given.

${PREDICT_USAGE}  -I DIR, -D NAME[=VAL]    include path and defines for a .dts
  --json                   print {"board","log","cmdline","coverage","comparison"} (docs/cli-parse-log.md)
  --junit FILE             also write a JUnit XML report, one testcase per device
  --boot N                 compare boot N (0-based) of a log holding several; default: the last

exit status: 0 every observable device matches, 1 mismatches, 2 bad input (unreadable files, board
errors, no kernel output in the log) or bad usage
`;

async function run(argv: string[], io: CliIo): Promise<number> {
  const { flags, positionals } = parseArgs(argv, FLAGS);
  if (positionals.length !== 2) throw new UsageError('expected a board file and a log file');
  const [boardArg, logArg] = positionals as [string, string];
  const logPath = resolvePath(io.cwd, logArg);
  let logBytes: Uint8Array;
  try {
    logBytes = io.readFile(logPath);
  } catch (e) {
    io.stderr(`bringup compare: cannot read ${logPath}: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }
  // Text events too: "Run /init" and "reboot: Power down" are landmarks the pipeline reads.
  const { events } = parseBootLog(logBytes, { emitText: true });
  const lastBoot = events.reduce((m, e) => Math.max(m, e.boot), 0);
  const boot = flags.boot === undefined ? lastBoot : Number(flags.boot);
  if (!Number.isInteger(boot) || boot < 0 || boot > lastBoot) throw new UsageError(`--boot takes 0..${lastBoot} (got "${flags.boot as string}")`);
  const mine = events.filter((e) => e.boot === boot);
  if (!mine.some((e) => e.kind === 'kernel-start' || e.kernelTime !== null)) {
    io.stderr(`bringup compare: ${logPath}: no kernel output found\n`);
    return EXIT_USAGE;
  }

  const base = predictOptionsFromFlags(flags, io);

  const boardPath = resolvePath(io.cwd, boardArg);
  let diagnostics: Diagnostic[];
  let tree: DtTree;
  try {
    const loaded = loadBoard(boardPath, (flags.include as string[]).map((d) => resolvePath(io.cwd, d)), flags.define as string[], io);
    diagnostics = [...loaded.diagnostics];
    tree = loaded.value;
  } catch (e) {
    io.stderr(`bringup compare: cannot read ${boardPath}: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }
  if (hasErrors(diagnostics)) {
    for (const d of diagnostics) io.stderr(formatDiagnostic(d) + '\n');
    return EXIT_USAGE;
  }
  const run = compareBoot({ tree, events: mine, options: base, anchoring: { pci: (flags.pci as string[]).length === 0 } });
  diagnostics.push(...run.diagnostics);
  for (const d of diagnostics) if (d.severity === 'error') io.stderr(formatDiagnostic(d) + '\n');
  const { comparison, coverage } = run;

  if (typeof flags.junit === 'string') {
    // SOURCE_DATE_EPOCH (reproducible-builds.org) pins the run's time, so a report can be reproduced byte for byte.
    const epoch = process.env.SOURCE_DATE_EPOCH;
    const at = epoch !== undefined && /^\d+$/.test(epoch) ? Number(epoch) * 1000 : Date.now();
    io.writeFile(resolvePath(io.cwd, flags.junit), comparisonToJunit(comparison, junitSuiteName(basename(boardPath)), { timestamp: junitTimestamp(at), hostname: hostname() }));
  }
  if (flags.json) {
    io.stdout(JSON.stringify({ board: boardPath, log: logPath, boot, cmdline: run.cmdline, cmdlineFromLog: run.cmdlineFromLog, modulesFromLog: run.anchoredModules, coverage, comparison }, null, 1) + '\n');
  } else {
    io.stdout(renderComparison(comparison, coverage.driverCoreDebug || coverage.initcallDebug, run.cmdline, run.cmdlineFromLog, run.anchoredModules));
  }
  return comparison.allMatch ? EXIT_OK : EXIT_INPUT_ERROR;
}

function renderComparison(c: Comparison, probeLines: boolean, cmdline: string | null, fromLog: boolean, modules: string[]): string {
  const fmt = (v: unknown) => (v === null || v === undefined ? '-' : String(v));
  const rows = c.devices.map((d) => [
    mark(d),
    d.name,
    `${fmt(d.predicted?.state)} / ${fmt(d.actual?.state)}`,
    `${fmt(d.predicted?.iommuGroup)} / ${fmt(d.actual?.iommuGroup)}`,
    `${fmt(d.predicted?.deferrals)} / ${fmt(d.actual?.deferrals)}`,
    `${fmt(d.predicted?.bindIndex)} / ${fmt(d.actual?.bindIndex)}`,
    d.differences.map((x) => `${x.field}${x.severity === 'minor' ? '(minor)' : ''}`).join(',') || (d.unobserved.length ? `unobserved: ${d.unobserved.join(',')}` : ''),
  ]);
  const head = ['', 'device', 'state p/a', 'group p/a', 'defer p/a', 'bind p/a', 'differences'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((x, i) => (i === r.length - 1 ? x : x.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(head), ...rows.map(line), ''];
  for (const d of c.devices.filter((x) => x.verdict === 'mismatch')) {
    out.push(`${d.name}: ${d.differences.filter((x) => x.severity === 'major').map((x) => `${x.field} predicted ${fmt(x.predicted)}, actual ${fmt(x.actual)}`).join('; ')}`);
    for (const w of d.cause) out.push(`    because ${w.subject}: ${w.text}`);
  }
  const b = c.bindOrder;
  out.push(`bind order: ${b.compared} devices bound on both sides, Spearman ${b.spearman === null ? '-' : b.spearman.toFixed(3)}, ${b.inversionCount} inversions`);
  for (const inv of b.inversions.slice(0, 10)) out.push(`    predicted ${inv.first} before ${inv.second}; the kernel bound them the other way round`);
  const s = c.summary;
  out.push(`${s.total} devices: ${s.match} match, ${s.mismatch} mismatch, ${s.unobserved} unobserved, ${s['actual-only']} in the log only`);
  if (!probeLines) out.push('note: the log has no driver-core debug (dyndbg="file drivers/base/dd.c +p") or initcall_debug: binds and deferrals are partly unobservable');
  if (fromLog && cmdline !== null) out.push(`kernel command line taken from the log: ${cmdline}`);
  if (modules.length) out.push(`module loads timed by the log: ${modules.join(', ')}`);
  return out.join('\n') + '\n';
}

function mark(d: DeviceComparison): string {
  switch (d.verdict) {
    case 'match':
      return 'ok';
    case 'mismatch':
      return 'XX';
    case 'unobserved':
      return '??';
    case 'pending':
      return '..';
    case 'actual-only':
      return '+';
  }
}

export const command: Command = { summary: 'compare a board\'s predicted probes with a captured boot log', usage, run };
