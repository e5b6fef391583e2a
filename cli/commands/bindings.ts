// `bringup dt --check-bindings`: the kernel's binding schemas (dtschema's dt-validate, as `make dtbs_check`
// runs it) on the compiled board, findings printed in dtc's format at their DTS source spans. The steps are
// engine/bindings' checkBindings; this file is its Node host (the import fences keep the CLI out of
// electron/, so electron/services/bindings.ts has the app's own copy) and the printing and exit status.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { BindingsError, checkBindings, findingToDiagnostic, type BindingsHost } from '../../engine/bindings';
import { formatDtcDiagnostic, type DtTree } from '../../engine/devicetree';
import { EXIT_INPUT_ERROR, EXIT_OK, type CliIo } from '../io';

function cliHost(): BindingsHost {
  return {
    cacheDir: process.env.BRINGUP_CACHE ?? join(homedir(), '.cache', 'bringup-workbench'),
    exists: (p) => existsSync(p),
    readText: (p) => readFileSync(p, 'utf8'),
    readTail(p, bytes) {
      const fd = openSync(p, 'r');
      try {
        const size = statSync(p).size;
        const len = Math.min(size, bytes);
        const buf = Buffer.alloc(len);
        readSync(fd, buf, 0, len, size - len);
        return buf.toString('utf8');
      } finally {
        closeSync(fd);
      }
    },
    writeBytes: (p, d) => writeFileSync(p, d),
    mkdirp: (p) => void mkdirSync(p, { recursive: true }),
    rename: (a, b) => renameSync(a, b),
    remove: (p) => rmSync(p, { recursive: true, force: true }),
    tempDir: () => mkdtempSync(join(tmpdir(), 'bringup-bindings-')),
    // The CLI waits anyway, so a synchronous run with spawnSync's own deadline is enough here.
    run(cmd, args, opts) {
      const r = spawnSync(cmd, args, { cwd: opts.cwd, timeout: opts.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 << 20, encoding: 'utf8' });
      if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return Promise.reject(new BindingsError(`${opts.what} timed out after ${Math.round(opts.timeoutMs / 1000)} s`));
      if (r.error) return Promise.reject(new BindingsError(`${opts.what}: cannot run ${cmd}: ${r.error.message}`));
      return Promise.resolve({ code: r.status, stdout: r.stdout, stderr: r.stderr });
    },
    uniq: String(process.pid),
  };
}

/** The kernel tree whose bindings apply: the one the board lives in (a kernel board), else the 6.1 source in the cache. */
export function kernelSourceFor(input: string, cwd: string, cacheDir: string): string {
  for (let d = dirname(resolve(cwd, input)); d !== dirname(d); d = dirname(d)) {
    if (existsSync(join(d, 'Documentation', 'devicetree', 'bindings')) && existsSync(join(d, 'Makefile'))) return d;
  }
  return join(cacheDir, 'linux-source-6.1');
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
  const kernelSource = opts.kernelSource !== undefined ? resolve(io.cwd, opts.kernelSource) : kernelSourceFor(input, io.cwd, host.cacheDir);
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
  if (shown.length) io.stderr(shown.map((f) => formatDtcDiagnostic(findingToDiagnostic(f))).join('\n') + '\n');
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  io.stderr(`bringup dt: ${input}: bindings checked (dtschema ${s.dtschemaVersion}, Linux ${s.kernelVersion}): ${errors} error(s), ${warnings} warning(s)\n`);
  return opts.strict && errors > 0 ? EXIT_INPUT_ERROR : EXIT_OK;
}
