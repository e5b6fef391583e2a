// `bringup predict <board.dts|.dtb>`: loads the board's tree, runs the probe model (engine/probe) with the
// kernel described by the flags, and prints a table in probe order or, with --json, the public
// {"devices":[...],"events":[...]} document (docs/cli-predict.md).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, UsageError } from '../args';
import { EXIT_INPUT_ERROR, EXIT_OK, type CliIo } from '../io';
import type { Command } from '../main';
import { PREDICT_FLAGS, PREDICT_USAGE, predictOptionsFromFlags } from '../predict-options';
import * as devicetree from '../../engine/devicetree/index';
import { formatDiagnostic, hasErrors, type Diagnostic, type Result } from '../../engine/common/index';
import { predict, type Prediction } from '../../engine/probe/index';

const FLAGS = [
  ...PREDICT_FLAGS,
  { names: ['-I', '--include'], key: 'include', kind: 'list' as const },
  { names: ['-D', '--define'], key: 'define', kind: 'list' as const },
  { names: ['--json'], key: 'json', kind: 'boolean' as const },
];

const usage = `usage: bringup predict <board.dts|board.dtb> [-I DIR]... [-D NAME[=VAL]]... [--kernel 6.1] [--config FILE]
       [--cmdline "..."] [--modules-loaded a,b,...] [--assume NODE=ok|absent|defer|fail:-ERRNO]... [--json]

Predicts what the Linux driver core does with the board's devices at boot: probe order, deferrals,
IOMMU groups, failures, and why.

${PREDICT_USAGE}  -I DIR, -D NAME[=VAL]    include path and defines for a .dts (as cpp sees them)
  --json                   print {"devices":[...],"events":[...]} (see docs/cli-predict.md)
`;

type LoadFn = (path: string, opts: { includeDirs: string[]; defines: Record<string, string>; readFile: (p: string) => Uint8Array }) => Result<devicetree.DtTree>;

/** The board's tree: a DTB read directly; a DTS through engine/devicetree's loadDeviceTree, else dtc. */
export function loadBoard(path: string, includeDirs: string[], defines: Record<string, string>, io: CliIo): Result<devicetree.DtTree> {
  const bytes = io.readFile(path);
  if (devicetree.looksLikeDtb(bytes)) return devicetree.readDtb(bytes, path);
  const load = (devicetree as unknown as Record<string, unknown>).loadDeviceTree as LoadFn | undefined;
  if (typeof load === 'function') return load(path, { includeDirs, defines, readFile: (p) => io.readFile(p) });
  // Fallback while the DTS front end is not exported: the reference compiler, then the DTB reader.
  const dir = mkdtempSync(join(tmpdir(), 'bringup-predict-'));
  try {
    const out = join(dir, 'board.dtb');
    const cppArgs = ['-nostdinc', '-undef', '-D__DTS__', '-x', 'assembler-with-cpp', '-P', ...includeDirs.flatMap((d) => ['-I', d]), ...Object.entries(defines).map(([k, v]) => `-D${k}=${v}`), resolve(io.cwd, path)];
    const cpp = spawnSync('cpp', cppArgs, { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (cpp.status !== 0) return { value: devicetree.createTree(), diagnostics: [{ severity: 'error', code: 'cpp', message: cpp.stderr.trim() || 'cpp failed', file: path }] };
    const dtc = spawnSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-o', out, ...includeDirs.flatMap((d) => ['-i', d]), '-'], { input: cpp.stdout, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (dtc.status !== 0) return { value: devicetree.createTree(), diagnostics: [{ severity: 'error', code: 'dtc', message: dtc.stderr.trim() || 'dtc failed', file: path }] };
    return devicetree.readDtb(new Uint8Array(readFileSync(out)), path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function predictionJson(p: Prediction): string {
  return JSON.stringify({ devices: p.devices, events: p.events }, null, 1);
}

export function predictionTable(p: Prediction): string {
  const rows: string[][] = [['#', 'device', 'state', 'driver', 'group', 'defer', 'bind', 'why']];
  p.devices.forEach((d, i) => {
    const why = d.why.length ? d.why[d.why.length - 1]!.text : '';
    rows.push([String(i + 1), d.name, d.state, d.driver ?? '-', d.iommuGroup === null ? '-' : String(d.iommuGroup), String(d.deferrals), d.bindIndex === null ? '-' : String(d.bindIndex), why]);
  });
  const widths = rows[0]!.map((_, c) => Math.min(40, Math.max(...rows.map((r) => r[c]!.length))));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export const command: Command = {
  summary: 'predict probe order, deferrals, IOMMU groups and failures for a board',
  usage,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, FLAGS);
    if (positionals.length !== 1) throw new UsageError('expected exactly one board file (.dts or .dtb)');
    const options = predictOptionsFromFlags(flags, io);
    const defines: Record<string, string> = {};
    for (const d of (flags.define as string[]) ?? []) {
      const eq = d.indexOf('=');
      defines[eq < 0 ? d : d.slice(0, eq)] = eq < 0 ? '1' : d.slice(eq + 1);
    }
    let loaded: Result<devicetree.DtTree>;
    try {
      loaded = loadBoard(positionals[0]!, (flags.include as string[]) ?? [], defines, io);
    } catch (e) {
      io.stderr(`bringup predict: cannot read ${positionals[0]}: ${e instanceof Error ? e.message : String(e)}\n`);
      return EXIT_INPUT_ERROR;
    }
    const diags: Diagnostic[] = [...loaded.diagnostics];
    if (hasErrors(loaded.diagnostics)) {
      for (const d of diags) io.stderr(formatDiagnostic(d) + '\n');
      return EXIT_INPUT_ERROR;
    }
    const result = predict(loaded.value, options);
    diags.push(...result.diagnostics);
    for (const d of diags) if (d.severity !== 'note') io.stderr(formatDiagnostic(d) + '\n');
    io.stdout(flags.json ? predictionJson(result.value) + '\n' : predictionTable(result.value));
    return hasErrors(result.diagnostics) ? EXIT_INPUT_ERROR : EXIT_OK;
  },
};
