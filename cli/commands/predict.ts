// `bringup predict <board.dts|.dtb>`: loads the board's tree, runs the probe model (engine/probe) with the
// kernel described by the flags, and prints a table in probe order or, with --json, the public
// {"devices":[...],"events":[...]} document (docs/cli-predict.md).
import { parseArgs, UsageError } from '../args';
import { EXIT_INPUT_ERROR, EXIT_OK, type CliIo } from '../io';
import type { Command } from '../main';
import { PREDICT_FLAGS, PREDICT_USAGE, predictOptionsFromFlags } from '../predict-options';
import { loadBoard } from '../board';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../../engine/common/index';
import { predict, type Prediction } from '../../engine/probe/index';

const FLAGS = [
  ...PREDICT_FLAGS,
  { names: ['-I', '--include'], key: 'include', kind: 'list' as const },
  { names: ['-D', '--define'], key: 'define', kind: 'list' as const },
  { names: ['--json'], key: 'json', kind: 'boolean' as const },
  { names: ['--events'], key: 'events', kind: 'boolean' as const },
];

const usage = `usage: bringup predict <board.dts|board.dtb> [-I DIR]... [-D NAME[=VAL]]... [--kernel 6.1] [--config FILE]
       [--cmdline "..."] [--modules-loaded a,b,...] [--assume NODE=ok|absent|defer|fail:-ERRNO]... [--json]

Predicts what the Linux driver core does with the board's devices at boot: probe order, deferrals,
IOMMU groups, failures, and why.

${PREDICT_USAGE}  -I DIR, -D NAME[=VAL]    include path and defines for a .dts (as cpp sees them)
  --json                   print {"devices":[...],"events":[...]} (see docs/cli-predict.md)
  --events                 after the table, print the trace as a boot log would show it
`;

export function predictionJson(p: Prediction): string {
  return JSON.stringify({ devices: p.devices, events: p.events }, null, 1);
}

export function predictionTable(p: Prediction): string {
  const rows: string[][] = [['#', 'device', 'state', 'driver', 'group', 'defer', 'bind', 'why']];
  p.devices.forEach((d, i) => {
    const why = d.why.length ? d.why[d.why.length - 1]!.text : '';
    rows.push([String(i + 1), d.name, d.state, d.driver ?? '-', d.iommuGroup === null ? '-' : String(d.iommuGroup), String(d.deferrals), d.bindIndex === null ? '-' : String(d.bindIndex), why]);
  });
  const widths = rows[0]!.map((_, c) => Math.min(64, Math.max(...rows.map((r) => r[c]!.length))));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n') + '\n';
}

/** The trace as `[   time] line`, the way the console would print the lines the kernel has. */
export function predictionTrace(p: Prediction): string {
  const out: string[] = [];
  for (const e of p.events) {
    if (!e.text || e.kind === 'device-added' || e.kind === 'driver-registered') continue;
    const t = e.time.toFixed(6).padStart(12);
    out.push(`[${t}] ${e.text}`);
  }
  return out.join('\n') + '\n';
}

export const command: Command = {
  summary: 'predict probe order, deferrals, IOMMU groups and failures for a board',
  usage,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, FLAGS);
    if (positionals.length !== 1) throw new UsageError('expected exactly one board file (.dts or .dtb)');
    const options = predictOptionsFromFlags(flags, io);
    const defines = (flags.define as string[]) ?? [];
    const loaded = loadBoard(positionals[0]!, (flags.include as string[]) ?? [], defines, io);
    const diags: Diagnostic[] = [...loaded.diagnostics];
    if (hasErrors(loaded.diagnostics)) {
      for (const d of diags) io.stderr(formatDiagnostic(d) + '\n');
      return EXIT_INPUT_ERROR;
    }
    const result = predict(loaded.value, options);
    diags.push(...result.diagnostics);
    for (const d of diags) if (d.severity !== 'note') io.stderr(formatDiagnostic(d) + '\n');
    io.stdout(flags.json ? predictionJson(result.value) + '\n' : predictionTable(result.value));
    if (flags.events && !flags.json) io.stdout('\n' + predictionTrace(result.value));
    return hasErrors(result.diagnostics) ? EXIT_INPUT_ERROR : EXIT_OK;
  },
};
