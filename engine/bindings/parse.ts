// Reads dt-validate's two output forms into raw findings: the JSON list `--json-output FILE` writes
// (dtschema's dtb_validate.py `_error_diagnostic` / `_unmatched_diagnostic` / `_decode_diagnostic`), and,
// for releases without that flag, the text it prints on stderr (dtschema's lib.py `format_error`).
import type { RawBindingFinding } from './types';

const FROM_SCHEMA = /^\s*from schema \$id: (\S+)\s*$/;
const HINT = /^\s*hint: (.*)$/;

/** The message of a formatted diagnostic with its `file:[line:col:] node (compat): path: ` prefix removed. */
function stripPrefix(first: string, nodeName: string | undefined, compatible: string | undefined, path: (string | number)[]): string {
  let head = nodeName ?? '';
  if (compatible) head += ` (${compatible})`;
  head += ': ';
  if (path.length) head += path.map(String).join(':') + ': ';
  const i = nodeName !== undefined ? first.indexOf(': ' + head) : -1;
  return i >= 0 ? first.slice(i + 2 + head.length) : first;
}

/** Splits a formatted diagnostic into its message (conditional sub-errors kept), hint and schema lines. */
function splitFormatted(text: string): { lines: string[]; hint?: string; schema?: string } {
  const lines: string[] = [];
  let hint: string | undefined;
  let schema: string | undefined;
  for (const l of text.split('\n')) {
    const s = FROM_SCHEMA.exec(l);
    if (s) schema ??= s[1];
    else if (HINT.test(l)) hint ??= HINT.exec(l)![1];
    else if (l.trim()) lines.push(l);
  }
  return { lines, ...(hint !== undefined ? { hint } : {}), ...(schema !== undefined ? { schema } : {}) };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * dt-validate's `--json-output` file. Throws on text that is not a JSON list (a programmer or tool error
 * the caller turns into one message); records of unknown type are kept as validation errors.
 */
export function parseValidateJson(text: string): RawBindingFinding[] {
  const data: unknown = JSON.parse(text);
  if (!Array.isArray(data)) throw new Error('dt-validate --json-output: expected a JSON list of diagnostics');
  const out: RawBindingFinding[] = [];
  for (const d of data as Record<string, unknown>[]) {
    if (!d || typeof d !== 'object') continue;
    const type = str(d.type);
    const kind = type === 'unmatched' ? 'unmatched' : type === 'decode' ? 'decode' : 'validation';
    const propertyPath = Array.isArray(d.property_path) ? (d.property_path as (string | number)[]) : [];
    const nodeName = str(d.nodename);
    const compatible = kind === 'unmatched' ? undefined : str(d.compatible);
    let message = str(d.message) ?? '';
    let hint = str(d.note);
    const formatted = str(d.formatted);
    if (formatted && kind === 'validation') {
      // The formatted text is what dt-validate prints: for a conditional it names the branch that failed,
      // where `message` is jsonschema's "{…whole node…} is not valid under any of the given schemas".
      const f = splitFormatted(formatted);
      if (f.lines.length) message = [stripPrefix(f.lines[0]!, nodeName, compatible, propertyPath), ...f.lines.slice(1).map((l) => l.trim())].join('\n');
      hint ??= f.hint;
    }
    if (kind === 'unmatched') {
      const c = Array.isArray(d.compatible) ? (d.compatible as unknown[]).map(String) : [];
      message = `failed to match any schema with compatible: ${c.map((s) => `'${s}'`).join(', ')}`;
    }
    const r: RawBindingFinding = { kind, level: str(d.level) === 'warning' ? 'warning' : 'error', propertyPath, message };
    const node = str(d.node);
    if (node !== undefined) r.nodePath = node;
    if (nodeName !== undefined) r.nodeName = nodeName;
    if (compatible !== undefined) r.compatible = compatible;
    const schema = str(d.schema);
    if (schema !== undefined) r.schema = schema;
    if (hint !== undefined) r.hint = hint;
    out.push(r);
  }
  return out;
}

/**
 * dt-validate's stderr text. A diagnostic starts at a line beginning with the DTB's path and runs until
 * the next such line; `dtbPath` is the path exactly as dt-validate was given it (it prints it relative to
 * its working directory, or absolute).
 */
export function parseValidateText(text: string, dtbPaths: string[]): RawBindingFinding[] {
  const blocks: string[][] = [];
  for (const line of text.split('\n')) {
    const starts = dtbPaths.some((p) => line.startsWith(p + ':'));
    if (starts) blocks.push([line]);
    else if (blocks.length && /^\s/.test(line)) blocks[blocks.length - 1]!.push(line);
  }
  const out: RawBindingFinding[] = [];
  for (const b of blocks) {
    const first = b[0]!;
    const file = dtbPaths.find((p) => first.startsWith(p + ':'))!;
    let rest = first.slice(file.length + 1).replace(/^\d+:\d+:/, '').trimStart();
    const unmatched = /^(\/\S*): failed to match any schema with compatible: \[(.*)\]$/.exec(rest);
    if (unmatched) {
      const compats = [...unmatched[2]!.matchAll(/'([^']*)'/g)].map((m) => `'${m[1]}'`);
      out.push({ kind: 'unmatched', level: 'warning', nodePath: unmatched[1]!, nodeName: unmatched[1]!.split('/').pop() || '/', propertyPath: [], message: `failed to match any schema with compatible: ${compats.join(', ')}` });
      continue;
    }
    // `node (compat): prop:idx: message`; node names never contain ':' or ' ', property names never ' '.
    const m = /^(\S+?)(?: \(([^)]*)\))?: (.*)$/.exec(rest);
    if (!m) continue;
    const nodeName = m[1]!;
    const compatible = m[2];
    rest = m[3]!;
    const propertyPath: (string | number)[] = [];
    for (let p = /^([^\s:'"{[]+):\s?(.*)$/.exec(rest); p; p = /^([^\s:'"{[]+):\s?(.*)$/.exec(rest)) {
      propertyPath.push(/^\d+$/.test(p[1]!) ? Number(p[1]) : p[1]!);
      rest = p[2]!;
    }
    const f = splitFormatted([rest, ...b.slice(1)].join('\n'));
    const r: RawBindingFinding = { kind: 'validation', level: 'error', nodeName, propertyPath, message: f.lines.map((l, i) => (i ? l.trim() : l)).join('\n') };
    if (compatible !== undefined) r.compatible = compatible;
    if (f.schema !== undefined) r.schema = f.schema;
    if (f.hint !== undefined) r.hint = f.hint;
    out.push(r);
  }
  return out;
}
