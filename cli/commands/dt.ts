// `bringup dt`: the device-tree compiler on the command line, a thin adapter over engine/devicetree
// (as dtc.c is over livetree/flattree): parse flags, load (DTS through the C preprocessor, or DTB),
// apply overlays, write DTB / DTS / JSON. Exit 0 ok (warnings on stderr), 1 errors in the input, 2 usage.
import { dirname, resolve as resolvePath } from 'node:path';
import { formatDiagnostic, hasErrors } from '../../engine/common';
import { CHECKS, checkLevels, createPreprocessCache, loadDeviceTree, looksLikeDtb, parseCheckSwitch, printDts, treeToJson, writeDtb, type CheckLevel, type FileContents, type PreprocessCache } from '../../engine/devicetree';
import { parseArgs, UsageError, type FlagSpec } from '../args';
import { DTS_SOURCE_LIMIT, EXIT_INPUT_ERROR, EXIT_OK, EXIT_USAGE, type CliIo } from '../io';
import type { Command } from '../main';

const FLAGS: FlagSpec[] = [
  { names: ['-I', '--include'], key: 'include', kind: 'list' },
  { names: ['-D', '--define'], key: 'define', kind: 'list' },
  { names: ['-@', '--symbols'], key: 'symbols', kind: 'boolean' },
  { names: ['-a', '--apply'], key: 'apply', kind: 'list' },
  { names: ['-O', '--out-format'], key: 'format', kind: 'string', choices: ['dtb', 'dts', 'json'] },
  { names: ['-o', '--out'], key: 'out', kind: 'string' },
  { names: ['-b', '--boot-cpu'], key: 'bootCpu', kind: 'string' },
  { names: ['-E', '--no-cpp'], key: 'noCpp', kind: 'boolean' },
  { names: ['-q', '--quiet'], key: 'quiet', kind: 'boolean' },
  { names: ['-W', '--warning'], key: 'warning', kind: 'list' },
  { names: ['--error'], key: 'error', kind: 'list' },
  { names: ['--batch'], key: 'batch', kind: 'string' },
  { names: ['--check-bindings'], key: 'checkBindings', kind: 'boolean' },
  { names: ['--strict'], key: 'strict', kind: 'boolean' },
  { names: ['--kernel-source'], key: 'kernelSource', kind: 'string' },
];

const usage = `usage: bringup dt <in.dts|in.dtb|in.dtbo> [options]

Compiles a device tree the way Kbuild runs cpp | dtc (or reads a blob), and writes it out. '-' reads
the source from standard input. Every file and standard input are read with caps (4 MiB per source).

options:
  -I, --include DIR       include directory for #include and /include/ (repeatable); the input's own
                          folder is always searched first
  -D, --define NAME[=VAL] preprocessor define (repeatable)
  -@, --symbols           emit /__symbols__ (dtc -@)
  -a, --apply OVERLAY     apply a .dtbo (or plugin .dts) onto the result, as fdtoverlay (repeatable)
  -O, --out-format FMT    dts (default), dtb or json
  -o, --out FILE          write to FILE instead of stdout ('-' is stdout; a file is required for -O
                          dtb on a terminal)
  -b, --boot-cpu N        boot CPU id in the DTB header (dtc -b; Kbuild passes 0)
  -E, --no-cpp            do not run the C preprocessor over a .dts
  -q, --quiet             do not print warnings
  -W, --warning [no-]CHECK
                          turn dtc's check CHECK on, or off, as a warning (dtc -W; repeatable):
                          -Wno-unique_unit_address as Kbuild passes it, -W node_name_chars_strict
      --error [no-]CHECK  make dtc's check CHECK an error, or no longer one (dtc -E; repeatable): an
                          error stops the output and exits 1
      --batch FILE        run many compiles in this one process: each line of FILE ('-' for stdin)
                          is one argument list as above (shell-style quoting, # comments); exit
                          status is the worst of them
      --check-bindings    check against the kernel's binding schemas (dt-validate) instead of
                          writing output; see docs/bindings.md
      --strict            with --check-bindings: exit 1 on binding errors (or when not checked)
      --kernel-source DIR the kernel tree whose bindings apply (default: the board's, else 6.1)

exit status: 0 success (warnings allowed), 1 errors in the input, 2 bad usage
`;

/** Splits one batch line into words: whitespace-separated, '…' and "…" quoting, backslash escapes. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '#' && !inWord) break;
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new UsageError(`unterminated ' in batch line: ${line}`);
      cur += line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) cur += line[j] === '\\' && j + 1 < line.length ? line[++j] : line[j];
      if (j >= line.length) throw new UsageError(`unterminated " in batch line: ${line}`);
      i = j;
    } else if (c === '\\' && i + 1 < line.length) cur += line[++i];
    else cur += c;
  }
  if (inWord) words.push(cur);
  return words;
}

async function runBatch(file: string, io: CliIo): Promise<number> {
  let text: string;
  try {
    text = new TextDecoder().decode(file === '-' ? io.readStdin(DTS_SOURCE_LIMIT) : io.readFile(resolvePath(io.cwd, file)));
  } catch (e) {
    io.stderr(`bringup dt: cannot read batch file ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_INPUT_ERROR;
  }
  // One header cache for the whole batch: the dt-bindings headers are lexed once.
  const cache = createPreprocessCache();
  let worst = EXIT_OK;
  for (const line of text.split('\n')) {
    const words = shellWords(line);
    if (!words.length) continue;
    let status: number;
    try {
      status = await run(words, io, cache);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      io.stderr(`bringup dt: ${e.message} (batch line: ${line.trim()})\n`);
      status = EXIT_USAGE;
    }
    worst = Math.max(worst, status);
  }
  return worst;
}

async function run(argv: string[], io: CliIo, cache?: PreprocessCache): Promise<number> {
  const { flags, positionals } = parseArgs(argv, FLAGS);
  if (flags.batch !== undefined) {
    if (cache !== undefined) throw new UsageError('--batch cannot be nested');
    if (positionals.length) throw new UsageError('--batch takes no input file of its own');
    return runBatch(flags.batch as string, io);
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `expected one input file, got ${positionals.length}` : 'missing input file');
  // Paths stay as typed so diagnostics read like dtc's; file access resolves them against the cwd.
  const input = positionals[0]!;
  const format = (flags.format as string | undefined) ?? 'dts';
  // '-' is standard output, as for dtc.
  const out = flags.out === '-' ? undefined : (flags.out as string | undefined);
  let bootCpuid: number | undefined;
  if (flags.bootCpu !== undefined) {
    const s = flags.bootCpu as string;
    const n = /^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`-b takes a CPU number (got "${s}")`);
    bootCpuid = n;
  }
  if (format === 'dtb' && !out && process.stdout.isTTY) {
    throw new UsageError('refusing to write a binary DTB to a terminal: use -o FILE or redirect stdout');
  }
  // dtc's -W and -E switches: the level each check runs at, with dtc's rules for the checks they
  // depend on (checkLevels).
  const switches = [
    ...(flags.warning as string[]).map((a) => parseCheckSwitch(a, 'warning')),
    ...(flags.error as string[]).map((a) => parseCheckSwitch(a, 'error')),
  ];
  let levels: Map<string, CheckLevel> | undefined;
  try {
    levels = switches.length ? checkLevels(switches) : undefined;
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  // A check that runs on the finished tree (not one of dtc's ERROR checks) made an error.
  const anyError = levels !== undefined && CHECKS.some((c) => c.on === 'tree' && levels.get(c.name)!.error);
  const includeDirs = flags.include as string[];
  // `-`: the source on standard input (as dtc takes it), read once, with the source cap.
  let stdin: Uint8Array | undefined;
  if (input === '-') {
    try {
      stdin = io.readStdin(DTS_SOURCE_LIMIT);
    } catch (e) {
      io.stderr(`bringup dt: ${e instanceof Error ? e.message : String(e)}\n`);
      return EXIT_INPUT_ERROR;
    }
  }
  const readFile = (path: string): FileContents | undefined => {
    if (path === '-' && stdin) return { bytes: stdin };
    try {
      return io.readSourceFile(resolvePath(io.cwd, path));
    } catch {
      return undefined;
    }
  };
  const r = loadDeviceTree(input, {
    includeDirs: [dirname(input), ...includeDirs],
    defines: flags.define as string[],
    readFile,
    symbols: flags.symbols === true,
    overlays: flags.apply as string[],
    preprocess: flags.noCpp !== true,
    // Warnings, which -q does not print and which never change the exit status, are not looked for in
    // a quiet run (cpp | dtc -q runs the checks and drops what they find), unless --error made a check
    // an error.
    checks: flags.quiet !== true || anyError,
    ...(levels !== undefined ? { checkLevels: levels } : {}),
    ...(bootCpuid !== undefined ? { bootCpuid } : {}),
    ...(cache !== undefined ? { cache } : {}),
    now: new Date(), // cpp expands __DATE__ and __TIME__ with the time it runs
  });
  // A finding with no place in the source (a check that did not run for a failed prerequisite) is
  // put where dtc puts it: at the output it names, `<stdout>` when that is standard output.
  const outName = out ?? '<stdout>';
  const shown = r.diagnostics
    .filter((d) => d.severity === 'error' || flags.quiet !== true)
    .map((d) => (d.span || d.file ? d : { ...d, file: outName }));
  if (shown.length) io.stderr(shown.map(formatDiagnostic).join('\n') + '\n');
  if (hasErrors(r.diagnostics)) {
    io.stderr(`bringup dt: ${input}: input has errors, no output written\n`);
    return EXIT_INPUT_ERROR;
  }
  if (flags.checkBindings === true) {
    const inputBytes = readFile(input)?.bytes;
    const dtb = inputBytes && looksLikeDtb(inputBytes) && !(flags.apply as string[]).length ? inputBytes : undefined;
    // Imported here, not at the top: the binding check runs through the services' Node host
    // (child_process, os, the schema cache), which a plain compile has no use for at start-up.
    const { runBindingsCheck } = await import('./bindings');
    return runBindingsCheck(input, r.value, io, { strict: flags.strict === true, quiet: flags.quiet === true, ...(flags.kernelSource !== undefined ? { kernelSource: flags.kernelSource as string } : {}), ...(dtb ? { dtb } : {}) });
  }
  let data: Uint8Array | string;
  if (format === 'dtb') data = writeDtb(r.value);
  else if (format === 'json') data = JSON.stringify(treeToJson(r.value), null, 1) + '\n';
  else data = printDts(r.value);
  if (out) {
    try {
      io.writeFile(resolvePath(io.cwd, out), data);
    } catch (e) {
      io.stderr(`bringup dt: cannot write ${out}: ${e instanceof Error ? e.message : String(e)}\n`);
      return EXIT_INPUT_ERROR;
    }
  } else if (typeof data === 'string') io.stdout(data);
  else io.stdoutBytes(data);
  return EXIT_OK;
}

export const command: Command = {
  summary: 'compile a device tree (DTS/DTB) like cpp | dtc, apply overlays, print DTB/DTS/JSON',
  usage,
  run: (argv, io) => run(argv, io),
};
