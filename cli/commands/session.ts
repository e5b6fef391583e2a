// `bringup session export|import|replay|info`: session files (engine/session) on the command line.
// export renders text / JSON / HTML / JUnit or writes a bundle; import turns a bundle or another tool's
// capture (dmesg, tio, grabserial, minicom, LAVA) into a session file; replay plays the received bytes
// back at their recorded pace (to stdout or a serial device / pty). Exit 0 ok, 1 bad input, 2 usage.
import { createHash } from 'node:crypto';
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import type { DeviceReport } from '../../engine/common';
import { formatDiagnostic } from '../../engine/common';
import {
  BUNDLE_LIMITS,
  SessionAssembler,
  gzipBundle,
  openBundle,
  isBundleBytes,
  decodeSession,
  encodeHeader,
  encodeRecord,
  exportHtml,
  exportJson,
  exportJunit,
  exportText,
  importLog,
  mergeInputs,
  reportInputsFromAnnotations,
  sessionToRecords,
  type LogFormat,
  type ReportInputs,
  type SessionData,
} from '../../engine/session';
import { parseArgs, UsageError, type FlagSpec } from '../args';
import { EXIT_INPUT_ERROR, EXIT_OK, type CliIo } from '../io';
import type { Command } from '../main';

const usage = `usage: bringup session <verb> [options]

  export <SESSION|BUNDLE> -f FORMAT [-o FILE] [options]
      -f, --format FMT      text, json, html, junit or bundle
      -o, --out FILE        write here (required for bundle); default stdout
      --timestamps SRC      text: host (default), printk or none
      --style STYLE         text: absolute, relative (default) or delta
      --predicted FILE      devices predicted: \`bringup predict --json\` output (or a JSON array)
      --actual FILE         devices seen: \`bringup parse-log --json\` output (or a JSON array)
      --comparison FILE     \`bringup compare --json\` output
      --raw                 json: also every chunk's bytes (base64) with its host time
  import <LOG|BUNDLE> -o FILE.bwsession [--as dmesg|tio|grabserial|minicom|lava|raw]
      a bundle is reopened exactly; a log from another tool becomes a session
  replay <SESSION|BUNDLE> [--to PATH] [--speed N | --fast]
      writes the received bytes at their recorded pace (N times faster) to stdout or PATH (a pty)
  info <SESSION|BUNDLE>
      what the file holds, and any torn tail or damage found

exit status: 0 success, 1 unreadable or unsafe input, 2 bad usage
`;

const FLAGS: FlagSpec[] = [
  { names: ['-f', '--format'], key: 'format', kind: 'string', choices: ['text', 'json', 'html', 'junit', 'bundle'] },
  { names: ['-o', '--out'], key: 'out', kind: 'string' },
  { names: ['--timestamps'], key: 'timestamps', kind: 'string', choices: ['host', 'printk', 'none'] },
  { names: ['--style'], key: 'style', kind: 'string', choices: ['absolute', 'relative', 'delta'] },
  { names: ['--predicted'], key: 'predicted', kind: 'string' },
  { names: ['--actual'], key: 'actual', kind: 'string' },
  { names: ['--comparison'], key: 'comparison', kind: 'string' },
  { names: ['--raw'], key: 'raw', kind: 'boolean' },
  { names: ['--as'], key: 'as', kind: 'string', choices: ['dmesg', 'tio', 'grabserial', 'minicom', 'lava', 'raw'] },
  { names: ['--to'], key: 'to', kind: 'string' },
  { names: ['--speed'], key: 'speed', kind: 'string' },
  { names: ['--fast'], key: 'fast', kind: 'boolean' },
];

class InputError extends Error {}

interface Loaded {
  data: SessionData;
  fileBytes: Uint8Array;
  notes: string[];
}

function sessionFromBundle(bytes: Uint8Array, path: string): Uint8Array {
  const r = openBundle(bytes, BUNDLE_LIMITS, path);
  if (!r.value) throw new InputError(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.value.sessionFile;
}

function load(path: string, io: CliIo): Loaded {
  let bytes = io.readFile(path);
  if (isBundleBytes(bytes.subarray(0, 512))) bytes = sessionFromBundle(bytes, path);
  const { records, summary } = decodeSession(bytes, path);
  if (summary.fatal) throw new InputError(summary.diagnostics.map(formatDiagnostic).join('\n'));
  const asm = new SessionAssembler(basename(path), summary.header?.createdAt ?? 0);
  for (const r of records) asm.add(r);
  return { data: asm.data, fileBytes: bytes.subarray(0, summary.validLength), notes: summary.diagnostics.map(formatDiagnostic) };
}

function readJson(path: string, io: CliIo): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(io.readFile(path)));
  } catch (e) {
    throw new InputError(`${path}: ${(e as Error).message}`);
  }
}

function devicesOf(v: unknown): DeviceReport[] {
  if (Array.isArray(v)) return v as DeviceReport[];
  const o = v as { devices?: unknown } | null;
  if (o && Array.isArray(o.devices)) return o.devices as DeviceReport[];
  throw new InputError('expected a JSON array of devices or an object with "devices"');
}

function encodeSessionFile(data: SessionData): Uint8Array {
  return new Uint8Array(Buffer.concat([encodeHeader(data.startedAt), ...sessionToRecords(data).map(encodeRecord)]));
}

async function exportVerb(input: string, flags: Record<string, unknown>, io: CliIo): Promise<number> {
  const format = flags.format as string | undefined;
  if (!format) throw new UsageError('export needs -f text|json|html|junit|bundle');
  const out = flags.out as string | undefined;
  const { data, fileBytes, notes } = load(input, io);
  for (const n of notes) io.stderr(`${n}\n`);
  if (format === 'bundle') {
    if (!out) throw new UsageError('export -f bundle needs -o FILE');
    io.writeFile(out, gzipBundle(fileBytes, data.sessionId, data.startedAt));
    return EXIT_OK;
  }
  const given: ReportInputs = {};
  if (flags.predicted) given.predicted = devicesOf(readJson(flags.predicted as string, io));
  if (flags.actual) given.actual = devicesOf(readJson(flags.actual as string, io));
  if (flags.comparison) given.comparison = readJson(flags.comparison as string, io);
  const inputs = mergeInputs(reportInputsFromAnnotations(data), given);
  let text: string;
  switch (format) {
    case 'text': {
      const source = (flags.timestamps as string | undefined) ?? 'host';
      const style = ((flags.style as string | undefined) ?? 'relative') as 'absolute' | 'relative' | 'delta';
      text = exportText(data, { timestamps: source === 'none' ? 'none' : { source: source as 'host' | 'printk', style }, includeTx: true });
      break;
    }
    case 'json':
      text = exportJson(data, inputs, { includeRaw: flags.raw === true });
      break;
    case 'html':
      text = exportHtml(data, inputs);
      break;
    default:
      text = exportJunit(data, inputs);
  }
  if (out) io.writeFile(out, text);
  else io.stdout(text);
  return EXIT_OK;
}

function importVerb(input: string, flags: Record<string, unknown>, io: CliIo): number {
  const out = flags.out as string | undefined;
  if (!out) throw new UsageError('import needs -o FILE.bwsession');
  const bytes = io.readFile(input);
  let fileBytes: Uint8Array;
  if (isBundleBytes(bytes.subarray(0, 512))) fileBytes = sessionFromBundle(bytes, input);
  else {
    const as = flags.as as string | undefined;
    const format: LogFormat | undefined = as === 'minicom' ? 'raw' : (as as LogFormat | undefined);
    let mtime = Date.now();
    try {
      mtime = statSync(input).mtimeMs;
    } catch {
      // stdin or a vanished file: now
    }
    const id = `import-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
    const r = importLog(bytes, { baseTime: mtime, sessionId: id, source: basename(input), ...(format ? { format } : {}) });
    for (const d of r.diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
    fileBytes = encodeSessionFile(r.value);
  }
  io.writeFile(out, fileBytes);
  const { data } = load(out, io);
  io.stdout(`${out}: session ${data.sessionId}, ${data.bytesReceived} bytes received, ${data.bytesSent} sent, ${data.markers.length} markers\n`);
  return EXIT_OK;
}

async function replayVerb(input: string, flags: Record<string, unknown>, io: CliIo): Promise<number> {
  const { data } = load(input, io);
  const speed = flags.fast ? Infinity : flags.speed !== undefined ? Number(flags.speed) : 1;
  if (!(speed > 0)) throw new UsageError(`--speed takes a positive number (got "${String(flags.speed)}")`);
  const to = flags.to as string | undefined;
  // Bytes go out exactly as received (not through the text stdout of CliIo): fd 1 or the given device.
  const fd = to ? openSync(to, 'r+') : null;
  const write = (b: Uint8Array) => {
    for (let o = 0; o < b.length; ) {
      try {
        o += writeSync(fd ?? 1, b, o);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
    }
  };
  try {
    const rx = data.chunks.filter((c) => c.dir === 'rx');
    const t0 = rx[0]?.t ?? 0;
    const start = Date.now();
    for (const c of rx) {
      if (Number.isFinite(speed)) {
        const due = start + (c.t - t0) / speed;
        const wait = due - Date.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, Math.min(wait, 60_000)));
      }
      write(c.bytes);
    }
  } finally {
    if (fd !== null) closeSync(fd);
  }
  return EXIT_OK;
}

function infoVerb(input: string, io: CliIo): number {
  const { data, fileBytes, notes } = load(input, io);
  const lines = [
    `session    ${data.sessionId}`,
    `target     ${data.target ?? '-'}`,
    `started    ${Number.isFinite(data.startedAt) ? new Date(data.startedAt).toISOString() : '-'}`,
    `received   ${data.bytesReceived} bytes in ${data.chunks.filter((c) => c.dir === 'rx').length} chunks`,
    `sent       ${data.bytesSent} bytes`,
    `markers    ${data.markers.map((m) => m.kind).join(', ') || '-'}`,
    `board      ${data.board ? `${data.board.files.length} files, content ${data.board.contentHash.slice(0, 16)}, DTB ${data.board.dtb?.length ?? 0} bytes` : '-'}`,
    `annotations ${data.annotations.map((a) => a.kind).join(', ') || '-'}`,
    `whole records end at byte ${fileBytes.length}`,
  ];
  io.stdout(lines.join('\n') + '\n');
  for (const n of notes) io.stdout(`${n}\n`);
  return EXIT_OK;
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb) throw new UsageError('missing verb: export, import, replay or info');
  const { flags, positionals } = parseArgs(rest, FLAGS);
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `expected one input, got ${positionals.length}` : 'missing input file');
  const input = positionals[0]!;
  try {
    switch (verb) {
      case 'export':
        return await exportVerb(input, flags, io);
      case 'import':
        return importVerb(input, flags, io);
      case 'replay':
        return await replayVerb(input, flags, io);
      case 'info':
        return infoVerb(input, io);
      default:
        throw new UsageError(`unknown verb "${verb}"`);
    }
  } catch (e) {
    if (e instanceof InputError) {
      io.stderr(`bringup session: ${e.message}\n`);
      return EXIT_INPUT_ERROR;
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'EACCES') {
      io.stderr(`bringup session: ${err.message}\n`);
      return EXIT_INPUT_ERROR;
    }
    throw e;
  }
}

export const command: Command = { summary: 'export, import, replay and inspect recorded sessions', usage, run };
