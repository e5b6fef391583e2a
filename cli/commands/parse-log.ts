// `bringup parse-log`: a captured boot log (serial capture, dmesg, tio/minicom/grabserial, LAVA
// log.yaml) through engine/bootlog, printed as the live device table or as JSON. A thin adapter:
// read the file, run the streaming parser, print. Exit 0 parsed a boot, 1 no kernel output, 2 usage.
import { resolve as resolvePath } from 'node:path';
import { LiveState, parseBootLog, type BootEvent, type BootLogStats, type DeviceNodeIndex, type LiveDeviceReport } from '../../engine/bootlog';
import { formatDiagnostic, hasErrors } from '../../engine/common/index';
import { populateDevices } from '../../engine/probe/index';
import { parseArgs, UsageError, type FlagSpec } from '../args';
import { EXIT_INPUT_ERROR, EXIT_OK, EXIT_USAGE, type CliIo } from '../io';
import type { Command } from '../main';
import { loadBoard } from '../board';

const FLAGS: FlagSpec[] = [
  { names: ['--json'], key: 'json', kind: 'boolean' },
  { names: ['--events'], key: 'events', kind: 'boolean' },
  { names: ['--boot'], key: 'boot', kind: 'string' },
  { names: ['--board'], key: 'board', kind: 'string' },
  { names: ['-I', '--include'], key: 'include', kind: 'list' },
  { names: ['-D', '--define'], key: 'define', kind: 'list' },
  { names: ['--kernel', '-k'], key: 'kernel', kind: 'string' },
];

const usage = `usage: bringup parse-log <LOG> [--json] [--events] [--boot N] [--board DTS|DTB [-I DIR]... [-D NAME[=VAL]]... [--kernel V]]

Parses a captured boot log and prints each device as the kernel left it: state, driver, IOMMU group,
deferrals, bind order. Accepts raw serial captures (U-Boot before the kernel, resets, ANSI, garbage),
dmesg output (plain, -x, -r), tio/minicom/grabserial captures, journalctl -k and LAVA log.yaml.

options:
  --json      print {"source","stats","coverage","boots","boot","devices","reports"} (docs/cli-parse-log.md)
  --events    with --json: also print every recognised event
  --boot N    report boot N (0-based) of a capture holding several; default: the last boot with
              kernel output
  --board F   the board's device tree: maps each kernel device name to its DT node (kernel naming
              rules of --kernel, default 6.1); names no node matches keep node null
  -I DIR, -D NAME[=VAL]  include path and defines for a .dts board

exit status: 0 a kernel boot was found, 1 the file (or the boot asked for) holds no kernel output, 2 bad
usage or unreadable file
`;

const REPORT_KINDS = new Set<BootEvent['kind']>(['oops', 'panic', 'warn']);

async function run(argv: string[], io: CliIo): Promise<number> {
  const { flags, positionals } = parseArgs(argv, FLAGS);
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `expected one log file, got ${positionals.length}` : 'missing log file');
  if (flags.events && !flags.json) throw new UsageError('--events needs --json');
  const path = resolvePath(io.cwd, positionals[0]!);
  let bytes: Uint8Array;
  try {
    bytes = io.readFile(path);
  } catch (e) {
    io.stderr(`bringup parse-log: cannot read ${path}: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }
  const { events, stats } = parseBootLog(bytes);
  const lastBoot = events.reduce((m, e) => Math.max(m, e.boot), Math.max(0, stats.boots - 1));
  const kernelBoots = stats.kernelBoots;
  // Default: the last boot that printed kernel output (a capture often ends in a bootloader-only run),
  // preferring one that shows the kernel starting over a later fragment of kernel lines.
  const started = stats.kernelStartBoots;
  const boot = flags.boot === undefined ? (started.length ? started[started.length - 1]! : kernelBoots.length ? kernelBoots[kernelBoots.length - 1]! : lastBoot) : Number(flags.boot);
  if (!Number.isInteger(boot) || boot < 0 || boot > lastBoot) throw new UsageError(`--boot takes 0..${lastBoot} (got "${flags.boot as string}")`);
  const mine = events.filter((e) => e.boot === boot);
  let nodeIndex: DeviceNodeIndex | undefined;
  if (typeof flags.board === 'string') {
    const boardPath = resolvePath(io.cwd, flags.board);
    let loaded;
    try {
      loaded = loadBoard(boardPath, (flags.include as string[]).map((d) => resolvePath(io.cwd, d)), flags.define as string[], io);
    } catch (e) {
      io.stderr(`bringup parse-log: cannot read ${boardPath}: ${(e as Error).message}\n`);
      return EXIT_USAGE;
    }
    if (hasErrors(loaded.diagnostics)) {
      for (const d of loaded.diagnostics) io.stderr(formatDiagnostic(d) + '\n');
      return EXIT_USAGE;
    }
    nodeIndex = new Map(populateDevices(loaded.value, (flags.kernel as string | undefined) ?? '6.1').filter((d) => d.node).map((d) => [d.name, d.path]));
  }
  const live = new LiveState(nodeIndex);
  live.apply(mine);
  const devices = live.devices();
  const reports = mine.filter((e) => REPORT_KINDS.has(e.kind));
  const kernelSeen = kernelBoots.includes(boot);
  if (flags.json) {
    const out = {
      source: path,
      stats,
      coverage: live.coverage(),
      boots: lastBoot + 1,
      kernelBoots,
      boot,
      kernel: kernelInfo(mine),
      devices,
      reports,
      ...(flags.events ? { events: mine } : {}),
    };
    io.stdout(JSON.stringify(out, null, 2) + '\n');
  } else {
    io.stdout(renderTable(devices, live.coverage(), stats.boots, boot, reports));
  }
  if (!kernelSeen) {
    io.stderr(`bringup parse-log: ${path}: ${whatTheFileHolds(stats, lastBoot + 1, boot, flags.boot !== undefined)}\n`);
    return EXIT_INPUT_ERROR;
  }
  return EXIT_OK;
}

/** The message of exit status 1: what the file holds instead of a kernel boot. */
function whatTheFileHolds(stats: BootLogStats, boots: number, boot: number, chosen: boolean): string {
  if (stats.lines === 0) return 'empty file: no kernel output found';
  if (chosen && stats.kernelBoots.length > 0) {
    return `boot ${boot} holds no kernel output (boots with kernel output: ${stats.kernelBoots.join(', ')} of 0..${boots - 1})`;
  }
  return `no kernel output found in ${stats.lines} lines (bootloader or shell output only)`;
}

function kernelInfo(events: readonly BootEvent[]): { version: string | null; cmdline: string | null } {
  let version: string | null = null;
  let cmdline: string | null = null;
  for (const e of events) {
    if (e.kind === 'kernel-start' && e.version && !version) version = e.version;
    if (e.kind === 'cmdline' && cmdline === null) cmdline = e.cmdline;
  }
  return { version, cmdline };
}

function renderTable(devices: LiveDeviceReport[], coverage: ReturnType<LiveState['coverage']>, boots: number, boot: number, reports: BootEvent[]): string {
  const rows = devices
    .slice()
    .sort((a, b) => (a.bindIndex ?? Number.MAX_SAFE_INTEGER) - (b.bindIndex ?? Number.MAX_SAFE_INTEGER) || a.firstLine - b.firstLine)
    .map((d) => [
      d.bindIndex === null ? '-' : String(d.bindIndex),
      d.name,
      d.state + (d.rejected ? ' (rejected)' : '') + (d.timedOut ? ' (timeout)' : ''),
      d.driver ?? '-',
      d.iommuGroup === null ? '-' : String(d.iommuGroup),
      String(d.deferrals),
      d.error ? String(d.error) : d.deferReason ?? '',
    ]);
  const head = ['bind', 'device', 'state', 'driver', 'group', 'defer', 'detail'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const seen = [coverage.driverCoreDebug && 'dd.c debug', coverage.initcallDebug && 'initcall_debug', coverage.deferredListing && 'devices_deferred', coverage.iommuGroupListing && 'iommu_groups'].filter(Boolean);
  const out = [line(head), ...rows.map(line), ''];
  out.push(`${devices.length} devices; boot ${boot + 1} of ${boots}; log shows: ${seen.length ? seen.join(', ') : 'no driver-core debug (binds inferred from driver messages)'}`);
  for (const r of reports) if (r.kind === 'oops' || r.kind === 'panic' || r.kind === 'warn') out.push(`${r.kind} at line ${r.line}: ${r.title}${r.complete ? '' : ' (report cut off)'}`);
  return out.join('\n') + '\n';
}

export const command: Command = { summary: 'parse a captured boot log into per-device live state', usage, run };
