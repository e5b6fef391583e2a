// Logs captured by other tools, read into a SessionData so every view and export works on them: dmesg
// (kept verbatim: its printk stamps are the kernel's), tio (`[HH:MM:SS.mmm] ` or ISO prefixes, `[tio …]`
// status lines), grabserial (`[elapsed delta] `), minicom captures (raw, or `[YYYY-MM-DD HH:MM:SS] `
// stamps), and LAVA job logs (YAML list of {dt, lvl, msg}; `target` lines are the console).
import type { Diagnostic } from '../common';
import { splitConsoleLines, utf8Decode } from '../bootlog';
import { utf8Encode } from './bytes';
import { emptySession, type SessionData } from './session-data';

export type LogFormat = 'lava' | 'tio' | 'grabserial' | 'minicom-timestamped' | 'dmesg' | 'raw';

export interface ImportLogOptions {
  /** Host time (ms) for lines without one and the date for time-of-day stamps; e.g. the file's mtime. */
  baseTime: number;
  sessionId: string;
  /** Shown as the session's target, e.g. the file name. */
  source?: string;
  /** Force a format instead of detecting it. */
  format?: LogFormat;
}

const TIO_RE = /^\[(\d{2}):(\d{2}):(\d{2})\.(\d{3})\] ?/;
const TIO_ISO_RE = /^\[(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?\] ?/;
const TIO_STATUS_RE = /^\[tio (\d{2}):(\d{2}):(\d{2})\] (.*)$/;
const GRAB_RE = /^\[\s*(\d+)\.(\d{1,6})\s+(\d+)\.(\d{1,6})\] ?/;
const PRINTK_RE = /^(?:<\d{1,2}>)?\[\s*\d+\.\d+\]/;

function firstLines(bytes: Uint8Array, n: number): string[] {
  const out: string[] = [];
  for (const line of splitConsoleLines(bytes.subarray(0, 64 * 1024))) {
    const text = utf8Decode(line).replace(/[\r\n]+$/, '');
    if (text.trim() !== '') out.push(text);
    if (out.length === n) break;
  }
  return out;
}

export function detectLogFormat(bytes: Uint8Array): LogFormat {
  const lines = firstLines(bytes, 40);
  if (lines.length === 0) return 'raw';
  const count = (re: RegExp) => lines.filter((l) => re.test(l)).length;
  if (lines.filter((l) => /^- \{\s*"?dt"?\s*:/.test(l)).length >= Math.min(3, lines.length)) return 'lava';
  if (count(TIO_STATUS_RE) > 0 || count(TIO_RE) >= lines.length / 2) return 'tio';
  if (count(GRAB_RE) >= lines.length / 2) return 'grabserial';
  if (count(TIO_ISO_RE) >= lines.length / 2) return lines.some((l) => /^\[\d{4}-\d{2}-\d{2} /.test(l)) ? 'minicom-timestamped' : 'tio';
  if (count(PRINTK_RE) >= lines.length / 2) return 'dmesg';
  return 'raw';
}

/** Byte length of the prefix of `line` whose UTF-8 text is `prefix` (prefixes are ASCII). */
function prefixBytes(prefix: string): number {
  return prefix.length;
}

class TimeOfDay {
  private dayStart: number;
  private last = -1;
  constructor(base: number) {
    const d = new Date(base);
    this.dayStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  }
  /** Time-of-day stamps carry no date: take the base date and roll over at midnight. */
  at(h: number, m: number, s: number, ms: number): number {
    const tod = ((h * 60 + m) * 60 + s) * 1000 + ms;
    if (this.last >= 0 && tod + 12 * 3600_000 < this.last) this.dayStart += 86_400_000;
    this.last = tod;
    return this.dayStart + tod;
  }
}

// ---- LAVA: a YAML list whose items are flow mappings on one line ------------------------------------

const YAML_ESCAPES: Record<string, string> = { '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029' };

/** Parses a YAML double-quoted scalar starting at s[i] === '"'; returns the value and the index after it. */
function yamlDoubleQuoted(s: string, i: number): [string, number] {
  let out = '';
  i++;
  while (i < s.length && s[i] !== '"') {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = s[i + 1] ?? '';
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen) {
      const cp = parseInt(s.slice(i + 2, i + 2 + hexLen), 16);
      out += Number.isFinite(cp) && cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      i += 2 + hexLen;
    } else {
      out += YAML_ESCAPES[e] ?? e;
      i += 2;
    }
  }
  return [out, i + 1];
}

function yamlSingleQuoted(s: string, i: number): [string, number] {
  let out = '';
  i++;
  while (i < s.length) {
    if (s[i] === "'") {
      if (s[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      return [out, i + 1];
    }
    out += s[i++];
  }
  return [out, i];
}

/** One LAVA log item `- {dt: ..., lvl: ..., msg: ...}`; nested values are kept as their source text. */
export function parseLavaItem(line: string): Record<string, string> | null {
  const body = line.replace(/^-\s*/, '');
  try {
    const j = JSON.parse(body) as unknown;
    if (j && typeof j === 'object' && !Array.isArray(j)) {
      return Object.fromEntries(Object.entries(j as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    }
  } catch {
    // not JSON: a YAML flow mapping below
  }
  let i = body.indexOf('{');
  if (i < 0) return null;
  i++;
  const out: Record<string, string> = {};
  const skip = () => {
    while (i < body.length && (body[i] === ' ' || body[i] === ',')) i++;
  };
  for (;;) {
    skip();
    if (i >= body.length || body[i] === '}') return out;
    let key: string;
    if (body[i] === '"') [key, i] = yamlDoubleQuoted(body, i);
    else if (body[i] === "'") [key, i] = yamlSingleQuoted(body, i);
    else {
      const j = body.indexOf(':', i);
      if (j < 0) return out;
      key = body.slice(i, j).trim();
      i = j;
    }
    while (i < body.length && body[i] !== ':') i++;
    i++;
    while (body[i] === ' ') i++;
    let value: string;
    const c = body[i];
    if (c === '"') [value, i] = yamlDoubleQuoted(body, i);
    else if (c === "'") [value, i] = yamlSingleQuoted(body, i);
    else if (c === '{' || c === '[') {
      let depth = 0;
      const from = i;
      for (; i < body.length; i++) {
        const ch = body[i];
        if (ch === '"') {
          i = yamlDoubleQuoted(body, i)[1] - 1;
        } else if (ch === '{' || ch === '[') depth++;
        else if (ch === '}' || ch === ']') {
          depth--;
          if (depth === 0) {
            i++;
            break;
          }
        }
      }
      value = body.slice(from, i);
    } else {
      const from = i;
      while (i < body.length && body[i] !== ',' && body[i] !== '}') i++;
      value = body.slice(from, i).trim();
    }
    out[key] = value;
  }
}

function lavaTime(dt: string | undefined, fallback: number): number {
  if (!dt) return fallback;
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?/.exec(dt);
  if (!m) return fallback;
  const frac = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + frac;
}

// ---- the importer ------------------------------------------------------------------------------------

export function importLog(bytes: Uint8Array, opts: ImportLogOptions): { value: SessionData; diagnostics: Diagnostic[] } {
  const format = opts.format ?? detectLogFormat(bytes);
  const data = emptySession(opts.sessionId, opts.baseTime);
  data.target = opts.source ?? `imported ${format} log`;
  data.tool = `import:${format}`;
  data.meta = { importedFormat: format, importedBytes: bytes.length };
  const diagnostics: Diagnostic[] = [];
  const rx = (t: number, b: Uint8Array) => {
    if (b.length === 0) return;
    data.chunks.push({ t, dir: 'rx', bytes: b });
    data.bytesReceived += b.length;
  };
  const importMarker = { t: opts.baseTime, kind: 'import', detail: `${format}${opts.source ? ` ${opts.source}` : ''}` };
  data.markers.push(importMarker);

  if (format === 'raw' || format === 'dmesg') {
    // The bytes are the console: keep them exactly, in record-sized pieces.
    for (let i = 0; i < bytes.length; i += 1 << 20) rx(opts.baseTime, bytes.slice(i, i + (1 << 20)));
    return { value: data, diagnostics };
  }

  const lines = splitConsoleLines(bytes);
  const tod = new TimeOfDay(opts.baseTime);
  let lastT = opts.baseTime;
  let lineNo = 0;
  for (const raw of lines) {
    lineNo++;
    // Prefixes are ASCII; decode just enough of the line start to read one.
    const head = utf8Decode(raw, 0, Math.min(raw.length, 96));
    if (format === 'lava') {
      const text = utf8Decode(raw).replace(/[\r\n]+$/, '');
      if (text.trim() === '' || text.startsWith('#')) continue;
      const item = parseLavaItem(text);
      if (!item) {
        diagnostics.push({ severity: 'warning', code: 'lava_line', message: `line ${lineNo} is not a LAVA log item`, file: opts.source ?? 'log' });
        continue;
      }
      const t = lavaTime(item.dt, lastT);
      lastT = t;
      const lvl = item.lvl ?? '';
      const msg = item.msg ?? '';
      if (lvl === 'target' || lvl === 'feedback') rx(t, utf8Encode(msg + '\n'));
      else if (lvl === 'input') {
        const b = utf8Encode(msg);
        data.chunks.push({ t, dir: 'tx', bytes: b });
        data.bytesSent += b.length;
      } else data.annotations.push({ t, kind: 'lava', detail: { lvl, msg } });
      continue;
    }
    let m: RegExpExecArray | null;
    if (format === 'tio' && (m = TIO_STATUS_RE.exec(utf8Decode(raw).replace(/[\r\n]+$/, '')))) {
      const t = tod.at(+m[1]!, +m[2]!, +m[3]!, 0);
      lastT = t;
      const msg = m[4]!;
      const kind = /^Connected/i.test(msg) ? 'connect' : /^Disconnected/i.test(msg) ? 'disconnect' : 'note';
      data.markers.push({ t, kind, detail: `tio: ${msg}` });
      continue;
    }
    if ((m = TIO_RE.exec(head))) {
      lastT = tod.at(+m[1]!, +m[2]!, +m[3]!, +m[4]!);
      rx(lastT, raw.slice(prefixBytes(m[0])));
    } else if ((m = TIO_ISO_RE.exec(head))) {
      const frac = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
      lastT = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + frac;
      rx(lastT, raw.slice(prefixBytes(m[0])));
    } else if (format === 'grabserial' && (m = GRAB_RE.exec(head))) {
      lastT = opts.baseTime + (Number(m[1]) + Number(`0.${m[2]}`)) * 1000;
      rx(lastT, raw.slice(prefixBytes(m[0])));
    } else rx(lastT, raw.slice());
  }
  // A stamped capture starts when its first stamp says, not when the file was written.
  const first = Math.min(data.chunks[0]?.t ?? Infinity, data.markers[1]?.t ?? Infinity);
  if (Number.isFinite(first)) data.startedAt = importMarker.t = first;
  return { value: data, diagnostics };
}
