// `bringup dt --check-bindings`: the kernel's binding schemas (dtschema's dt-validate, as `make dtbs_check`
// runs it) on the compiled board, findings printed in dtc's format at their DTS source spans. The steps are
// engine/bindings' checkBindings, run through the services' Node host (electron/services/bindings.ts);
// this file does the printing and the exit status.
import { resolve } from 'node:path';
import { kernelSourceFor, nodeBindingsHost } from '../../electron/services/bindings';
import { checkBindings, findingToDiagnostic, type BindingsHost } from '../../engine/bindings';
import { formatDiagnostic } from '../../engine/common';
import type { DtTree } from '../../engine/devicetree';
import { EXIT_INPUT_ERROR, EXIT_OK, type CliIo } from '../io';

function cliHost(): BindingsHost {
  // The app's host: the same files, and a run whose deadline kills the checker's whole process group.
  return nodeBindingsHost();
}

export interface CheckBindingsCliOptions {
  strict: boolean;
  kernelSource?: string;
  quiet?: boolean;
  /** The input when it was a blob: dt-validate checks those bytes, not a re-encoding. */
  dtb?: Uint8Array;
}

/** Prints the findings (dtc's format) and a status line; returns the exit status. */
export async function runBindingsCheck(input: string, tree: DtTree, io: CliIo, opts: CheckBindingsCliOptions): Promise<number> {
  const host = cliHost();
  const kernelSource = opts.kernelSource !== undefined ? resolve(io.cwd, opts.kernelSource) : kernelSourceFor(resolve(io.cwd, input), host.cacheDir);
  const report = await checkBindings(host, tree, { kernelSource, ...(opts.dtb ? { dtb: opts.dtb } : {}) });
  const s = report.status;
  if (s.kind === 'not-installed') {
    io.stderr(`bringup dt: ${s.message}; to enable: ${s.enable}\n`);
    return opts.strict ? EXIT_INPUT_ERROR : EXIT_OK;
  }
  if (s.kind === 'failed') {
    io.stderr(`bringup dt: ${s.message}\n`);
    return opts.strict ? EXIT_INPUT_ERROR : EXIT_OK;
  }
  const shown = report.findings.filter((f) => f.severity === 'error' || opts.quiet !== true);
  if (shown.length) io.stderr(shown.map((f) => formatDiagnostic(findingToDiagnostic(f))).join('\n') + '\n');
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  io.stderr(`bringup dt: ${input}: bindings checked (dtschema ${s.dtschemaVersion}, Linux ${s.kernelVersion}): ${errors} error(s), ${warnings} warning(s)\n`);
  return opts.strict && errors > 0 ? EXIT_INPUT_ERROR : EXIT_OK;
}
