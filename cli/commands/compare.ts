// `bringup compare <BOARD> <LOG|TARGET>`: the prediction for a board (engine/probe, with the predict
// flags of cli/predict-options.ts) set beside a boot (engine/bootlog), device by device, through the
// engine's one comparison pipeline (engine/compare compareBoot, as the app and session exports). The boot
// is a captured log file, or a live console (a tty, tcp://, rfc2217://, labgrid://) recorded into a
// session file until --until or --timeout (../live.ts).
// Exit 0 everything observable matches, 1 mismatches, 2 bad input or usage, 3 --until never matched.
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, resolve as resolvePath } from 'node:path';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../../engine/common/index';
import { compareBoot, comparisonToJunit, junitSuiteName, junitTimestamp, type Comparison, type DeviceComparison } from '../../engine/compare';
import { parseBootLog, type BootEvent } from '../../engine/bootlog';
import type { DtTree } from '../../engine/devicetree';
import { DEFAULT_SERIAL_SETTINGS } from '../../electron/common/contract';
import { parseArgs, UsageError, type FlagSpec, type ParsedArgs } from '../args';
import { EXIT_INPUT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_TIMEOUT, EXIT_USAGE, type CliIo } from '../io';
import type { LiveResult } from '../live';
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
  // A live console
  { names: ['--until'], key: 'until', kind: 'string' },
  { names: ['--timeout'], key: 'timeout', kind: 'string' },
  { names: ['--power-cycle'], key: 'powerCycle', kind: 'boolean' },
  { names: ['--sessions'], key: 'sessions', kind: 'string' },
  { names: ['--baud'], key: 'baud', kind: 'string' },
  { names: ['--labgrid-client'], key: 'labgridClient', kind: 'string' },
];

/** A live capture with neither --until nor --timeout ends after this long. */
const DEFAULT_LIVE_TIMEOUT_S = 300;
type Flags = ParsedArgs['flags'];
const LIVE_FLAGS = ['until', 'timeout', 'powerCycle', 'sessions', 'baud', 'labgridClient'] as const;

const usage = `usage: bringup compare <BOARD.dts|.dtb> <LOG> [-I DIR]... [-D NAME[=VAL]]... [predict options] [--json] [--junit FILE]
       bringup compare <BOARD.dts|.dtb> <TARGET> [--until REGEX] [--timeout S] [--power-cycle] [--sessions DIR] [options as above]

Predicts the board's boot (as bringup predict) and compares it with a captured boot log (as bringup
parse-log), device by device: state, IOMMU attachment and group, deferrals, bind order.
Without --cmdline the kernel command line printed in the log is used. PCI functions the log names
are added to the prediction unless --pci is given.

TARGET is a live console, as the app's connect bar takes it: a tty or pty path, tcp://HOST:PORT,
rfc2217://HOST:PORT or labgrid://COORDINATOR[:PORT]/PLACE (the place is acquired, and released at the
end unless it was already yours). The console is recorded into a session file and parsed as it
arrives, until a console line matches --until or --timeout runs out; then that boot is compared.

${PREDICT_USAGE}  -I DIR, -D NAME[=VAL]    include path and defines for a .dts
  --json                   print {"board","log","cmdline","coverage","comparison"} (docs/cli-parse-log.md)
  --junit FILE             also write a JUnit XML report, one testcase per device
  --boot N                 compare boot N (0-based) of a log holding several; default: the last

live console:
  --until REGEX            stop at the first console line matching this JavaScript regular expression
                           (the line still being printed counts: a prompt such as 'login:')
  --timeout S              stop after S seconds from the console opening (default ${DEFAULT_LIVE_TIMEOUT_S})
  --power-cycle            labgrid: power-cycle the place (labgrid-client power cycle) once the console
                           is open; --until only counts lines from then on
  --sessions DIR           write the session file here (default: the current directory)
  --baud N                 line speed (default ${DEFAULT_SERIAL_SETTINGS.baudRate})
  --labgrid-client PATH    the labgrid installation to use (default: labgrid-client on PATH)

exit status: 0 every observable device matches, 1 mismatches, 2 bad input (unreadable files, board
errors, no kernel output in the log, a console that cannot be opened, a failed power cycle) or bad
usage, 3 --until never matched within --timeout (the boot recorded so far is still compared and
printed), 130 interrupted (the session file is kept)
`;

async function run(argv: string[], io: CliIo): Promise<number> {
  const { flags, positionals } = parseArgs(argv, FLAGS);
  if (positionals.length !== 2) throw new UsageError('expected a board file and a log file or console target');
  const [boardArg, logArg] = positionals as [string, string];
  if (isLiveTarget(logArg, io.cwd)) return runLive(boardArg, logArg, flags, io);
  const given = LIVE_FLAGS.find((k) => flags[k] !== undefined && flags[k] !== false);
  if (given) throw new UsageError(`${FLAGS.find((f) => f.key === given)!.names[0]} needs a live console target (a tty, tcp://, rfc2217:// or labgrid://), not the file ${logArg}`);

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
  const boot = chooseBoot(events, flags.boot);
  if (!hasKernelOutput(events, boot)) {
    io.stderr(`bringup compare: ${logPath}: no kernel output found\n`);
    return EXIT_USAGE;
  }
  const board = readBoard(boardArg, flags, io);
  if (!board) return EXIT_USAGE;
  const run = compareAndReport(board, events, boot, flags, io, { log: logPath });
  return run.allMatch ? EXIT_OK : EXIT_INPUT_ERROR;
}

/**
 * A target the connect bar would open, rather than a log file: a URL, or a character device (tty, pty).
 * Here, not in ../live.ts, so comparing a log file never loads serialport or gRPC.
 */
function isLiveTarget(arg: string, cwd: string): boolean {
  if (/^(labgrid|tcp|rfc2217):\/\//i.test(arg)) return true;
  try {
    return statSync(resolvePath(cwd, arg)).isCharacterDevice();
  } catch {
    return false;
  }
}

function chooseBoot(events: readonly BootEvent[], flag: Flags[string]): number {
  const lastBoot = events.reduce((m, e) => Math.max(m, e.boot), 0);
  const boot = flag === undefined ? lastBoot : Number(flag);
  if (!Number.isInteger(boot) || boot < 0 || boot > lastBoot) throw new UsageError(`--boot takes 0..${lastBoot} (got "${flag as string}")`);
  return boot;
}

function hasKernelOutput(events: readonly BootEvent[], boot: number): boolean {
  return events.some((e) => e.boot === boot && (e.kind === 'kernel-start' || e.kernelTime !== null));
}

interface LoadedBoard {
  path: string;
  tree: DtTree;
  diagnostics: Diagnostic[];
}

/** The board, or null after saying why on stderr (exit 2). */
function readBoard(boardArg: string, flags: Flags, io: CliIo): LoadedBoard | null {
  const boardPath = resolvePath(io.cwd, boardArg);
  try {
    const loaded = loadBoard(boardPath, (flags.include as string[]).map((d) => resolvePath(io.cwd, d)), flags.define as string[], io);
    if (hasErrors(loaded.diagnostics)) {
      for (const d of loaded.diagnostics) io.stderr(formatDiagnostic(d) + '\n');
      return null;
    }
    return { path: boardPath, tree: loaded.value, diagnostics: [...loaded.diagnostics] };
  } catch (e) {
    io.stderr(`bringup compare: cannot read ${boardPath}: ${(e as Error).message}\n`);
    return null;
  }
}

/**
 * The one comparison, for a log file and a live console alike: predict, compare, write JUnit, print the
 * table or the JSON document (`extra` adds the live fields). Returns the document printed with --json.
 */
function compareAndReport(board: LoadedBoard, events: readonly BootEvent[], boot: number, flags: Flags, io: CliIo, extra: { log: string } & Record<string, unknown>): { allMatch: boolean; doc: Record<string, unknown> } {
  const base = predictOptionsFromFlags(flags, io);
  const mine = events.filter((e) => e.boot === boot);
  const diagnostics = [...board.diagnostics];
  const run = compareBoot({ tree: board.tree, events: mine, options: base, anchoring: { pci: (flags.pci as string[]).length === 0 } });
  diagnostics.push(...run.diagnostics);
  for (const d of diagnostics) if (d.severity === 'error') io.stderr(formatDiagnostic(d) + '\n');
  const { comparison, coverage } = run;

  if (typeof flags.junit === 'string') {
    // SOURCE_DATE_EPOCH (reproducible-builds.org) pins the run's time, so a report can be reproduced byte for byte.
    const epoch = process.env.SOURCE_DATE_EPOCH;
    const at = epoch !== undefined && /^\d+$/.test(epoch) ? Number(epoch) * 1000 : Date.now();
    io.writeFile(resolvePath(io.cwd, flags.junit), comparisonToJunit(comparison, junitSuiteName(basename(board.path)), { timestamp: junitTimestamp(at), hostname: hostname() }));
  }
  const { log, ...live } = extra;
  const doc = { board: board.path, log, boot, cmdline: run.cmdline, cmdlineFromLog: run.cmdlineFromLog, modulesFromLog: run.anchoredModules, coverage, comparison, ...live };
  if (flags.json) {
    io.stdout(JSON.stringify(doc, null, 1) + '\n');
  } else {
    io.stdout(renderComparison(comparison, coverage.driverCoreDebug || coverage.initcallDebug, run.cmdline, run.cmdlineFromLog, run.anchoredModules));
  }
  return { allMatch: comparison.allMatch, doc };
}

async function runLive(boardArg: string, target: string, flags: Flags, io: CliIo): Promise<number> {
  let until: RegExp | null = null;
  if (flags.until !== undefined) {
    try {
      until = new RegExp(flags.until as string);
    } catch (e) {
      throw new UsageError(`--until: ${(e as Error).message}`);
    }
  }
  const timeoutS = flags.timeout === undefined ? DEFAULT_LIVE_TIMEOUT_S : Number(flags.timeout);
  if (!(timeoutS > 0) || !Number.isFinite(timeoutS)) throw new UsageError(`--timeout takes a positive number of seconds (got "${String(flags.timeout)}")`);
  const baud = flags.baud === undefined ? DEFAULT_SERIAL_SETTINGS.baudRate : Number(flags.baud);
  if (!Number.isInteger(baud) || baud <= 0) throw new UsageError(`--baud takes a line speed (got "${String(flags.baud)}")`);
  if (flags.powerCycle && !/^labgrid:\/\//i.test(target)) throw new UsageError('--power-cycle needs a labgrid://COORDINATOR/PLACE target (the place\'s power resource switches the board)');
  if (flags.boot !== undefined && !/^\d+$/.test(flags.boot as string)) throw new UsageError(`--boot takes a boot number (got "${flags.boot as string}")`);
  // Everything that can be wrong before the lab is touched: the board, the predict options.
  const board = readBoard(boardArg, flags, io);
  if (!board) return EXIT_USAGE;
  predictOptionsFromFlags(flags, io);

  const { captureLive, LiveConsoleError } = await import('../live');
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let live: LiveResult;
  try {
    live = await captureLive({
      target,
      cwd: io.cwd,
      settings: { ...DEFAULT_SERIAL_SETTINGS, baudRate: baud },
      sessionsDir: resolvePath(io.cwd, (flags.sessions as string | undefined) ?? '.'),
      until,
      timeoutMs: timeoutS * 1000,
      powerCycle: flags.powerCycle === true,
      ...(flags.labgridClient ? { labgridClient: flags.labgridClient as string } : {}),
      note: (t) => io.stderr(`bringup compare: ${t}\n`),
      signal: abort.signal,
    });
  } catch (e) {
    if (e instanceof LiveConsoleError) {
      io.stderr(`bringup compare: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }

  const capture = {
    end: live.end,
    until: until ? until.source : null,
    matched: live.matchedLine,
    elapsedMs: live.elapsedMs,
    bytesReceived: live.bytesReceived,
    markers: live.markers,
  };
  const where = `${live.bytesReceived} bytes in ${(live.elapsedMs / 1000).toFixed(1)} s, session ${live.sessionPath}`;
  if (live.end === 'interrupted') {
    await live.close([]);
    io.stderr(`bringup compare: interrupted; recorded ${where}\n`);
    return EXIT_INTERRUPTED;
  }
  const timedOut = until !== null && live.end === 'timeout';
  const lastBoot = live.events.reduce((m, e) => Math.max(m, e.boot), 0);
  const boot = flags.boot === undefined ? lastBoot : Number(flags.boot);
  if (boot > lastBoot) {
    await live.close([]);
    io.stderr(`bringup compare: --boot ${boot}, but the console showed boots 0..${lastBoot}; recorded ${where}\n`);
    return EXIT_USAGE;
  }
  if (!hasKernelOutput(live.events, boot)) {
    await live.close([]);
    io.stderr(`bringup compare: ${target}: no kernel output${timedOut ? ` and no line matched --until /${until!.source}/ within ${timeoutS} s` : ` within ${timeoutS} s`}; recorded ${where}\n`);
    return timedOut ? EXIT_TIMEOUT : EXIT_USAGE;
  }
  const result = compareAndReport(board, live.events, boot, flags, io, { log: live.sessionPath, target, session: live.sessionPath, capture });
  // The session carries its own verdicts: `bringup session export -f junit|html` reads them back.
  await live.close([{ kind: 'comparison', detail: { ...result.doc, suite: junitSuiteName(basename(board.path)) } }]);
  if (timedOut) {
    io.stderr(`bringup compare: no console line matched --until /${until!.source}/ within ${timeoutS} s; the comparison covers what was recorded (${where})\n`);
    return EXIT_TIMEOUT;
  }
  io.stderr(`bringup compare: ${live.end === 'until' ? `matched --until: ${JSON.stringify(live.matchedLine)}` : `stopped after ${timeoutS} s`}; recorded ${where}\n`);
  return result.allMatch ? EXIT_OK : EXIT_INPUT_ERROR;
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
